import Domain
import Foundation
@testable import Postgres
import Testing

struct PostgresSearchBigramsTests {
    @Test func pairsOfAdjacentNonASCIICharactersLowerCased() {
        #expect(PostgresSearchBigrams.keys(of: "液压泵 ok 压力") == ["液压", "压泵", "压力"])
        #expect(PostgresSearchBigrams.keys(of: "ÉTÉ ÀÈ") == ["àè"])
        #expect(PostgresSearchBigrams.keys(of: "pressure 80") == [])
        #expect(PostgresSearchBigrams.keys(of: "压") == [])
        #expect(PostgresSearchBigrams.keys(of: "") == [])
    }

    @Test func onlyTextHasKeysAndNoneIsNil() {
        #expect(PostgresSearchBigrams.keys(of: MessageContent.text("压力正常")) == ["压力", "力正", "正常"])
        #expect(PostgresSearchBigrams.keys(of: MessageContent.text("all good")) == nil)
        #expect(PostgresSearchBigrams.keys(of: MessageContent.readings(["温度": .number(80)])) == nil)
        #expect(PostgresSearchBigrams.keys(of: nil) == nil)
    }

    @Test func onlyTwoNonASCIICharacterQueriesUseTheIndex() {
        #expect(PostgresSearchBigrams.isIndexable(query: "压力"))
        #expect(!PostgresSearchBigrams.isIndexable(query: "压力表"))
        #expect(!PostgresSearchBigrams.isIndexable(query: "压a"))
        #expect(!PostgresSearchBigrams.isIndexable(query: "ok"))
    }
}
