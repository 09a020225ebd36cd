import Domain
import Testing

struct ReactionSummaryTests {
    @Test func aggregatesInOrderOfFirstUse() {
        let a = UserID("a@x")
        let b = UserID("b@x")
        let c = UserID("c@x")
        let summary = ReactionSummary.aggregate([(a, "👍"), (b, "🎉"), (c, "👍"), (b, "👍")])
        #expect(
            summary == [ReactionSummary(emoji: "👍", userIDs: [a, c, b]), ReactionSummary(emoji: "🎉", userIDs: [b])])
        #expect(summary.map(\.count) == [3, 1])
        #expect(ReactionSummary.aggregate([]) == [])
    }
}
