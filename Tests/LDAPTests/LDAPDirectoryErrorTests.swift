import Domain
import LDAP
import Testing

struct LDAPDirectoryErrorTests {
    @Test(arguments: [
        (LDAPDirectoryError.Code.refusedInput, DomainError.invalidCredentials),
        (.noSuchUser, .invalidCredentials),
        (.ambiguousUser, .invalidCredentials),
        (.invalidCredentials, .invalidCredentials),
        (.serviceAccountRefused, .directoryUnavailable),
        (.tlsFailure, .directoryUnavailable),
        (.unreachable, .directoryUnavailable),
        (.operationFailed, .directoryUnavailable),
    ])
    func mapsToThePortsErrors(_ code: LDAPDirectoryError.Code, _ expected: DomainError) {
        #expect(LDAPDirectoryError(code, operation: "search").domainError == expected)
    }

    @Test func descriptionNamesTheStepAndKeepsDiagnosticsForDebugging() {
        let error = LDAPDirectoryError(
            .invalidCredentials,
            operation: "user_bind",
            resultCode: 49,
            diagnostic: "Invalid credentials: 80090308: LdapErr: DSID-0C09042A, data 52e"
        )
        #expect(String(describing: error) == "LDAPDirectoryError.invalidCredentials(user_bind, result 49)")
        #expect(String(reflecting: error).hasSuffix("data 52e"))
        #expect(
            String(describing: LDAPDirectoryError(.refusedInput, operation: "input"))
                == "LDAPDirectoryError.refusedInput(input)"
        )
    }
}
