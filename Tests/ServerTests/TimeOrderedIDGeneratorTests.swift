import Domain
import Foundation
@testable import Server
import Testing

struct TimeOrderedIDGeneratorTests {
    @Test func idsAreDistinctVersionSevenUUIDs() {
        let generator = TimeOrderedIDGenerator()
        let ids = (0..<10_000).map { _ in generator.next() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            let characters = Array(id.lowercaseText)
            #expect(characters[14] == "7", "\(id)")
            #expect("89ab".contains(characters[19]), "\(id)")
        }
    }

    @Test func theFirstFortyEightBitsAreTheUnixTimeInMilliseconds() {
        // 1 795 255 200 125 ms since 1970 = 0x01a1_fd8c_697d
        let generator = TimeOrderedIDGenerator(now: { Date(timeIntervalSince1970: 1_795_255_200.125) })
        #expect(generator.next().lowercaseText.hasPrefix("01a1fd8c-697d-7"))
    }

    @Test func idsOfLaterMillisecondsSortAfterEarlierOnes() {
        let early = TimeOrderedIDGenerator(now: { Date(timeIntervalSince1970: 1_795_255_200.000) })
        let late = TimeOrderedIDGenerator(now: { Date(timeIntervalSince1970: 1_795_255_200.001) })
        for _ in 0..<100 { #expect(early.next().lowercaseText < late.next().lowercaseText) }
    }
}
