// libFuzzer target: the token verifier (HS256 JWTs from Authorization headers and ?token=). Anything it accepts must
// carry claims that name a user and lie within their validity at the time checked.
import Application
import Domain
import Foundation
@testable import JWT

let service: HMACTokenService = {
    let keyring = try! TokenKeyring(secret: "fuzz-secret-fuzz-secret-fuzz-secret-0001", secrets: nil)
    return try! HMACTokenService(keyring: keyring)
}()
let checkedAt = Date(timeIntervalSince1970: 1_796_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let token = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let claims = try? service.verify(token, at: checkedAt) else { return 0 }
    precondition(!claims.userID.rawValue.isEmpty, "a token without a user was accepted")
    precondition(claims.expiresAt.addingTimeInterval(60) >= checkedAt, "an expired token was accepted")
    return 0
}
