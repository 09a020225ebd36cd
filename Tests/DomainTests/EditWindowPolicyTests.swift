import Domain
import Foundation
import Testing

struct EditWindowPolicyTests {
    let sentAt = Date(timeIntervalSince1970: 1_795_255_200)
    let policy = EditWindowPolicy()

    @Test(arguments: [0, 1, 899.999, 900])
    func isOpenUpToAndIncludingFifteenMinutes(_ elapsed: TimeInterval) {
        #expect(self.policy.isOpen(sentAt: self.sentAt, now: self.sentAt.addingTimeInterval(elapsed)))
    }

    @Test(arguments: [900.001, 901, 3600, 86_400])
    func isClosedAfterFifteenMinutes(_ elapsed: TimeInterval) {
        #expect(!self.policy.isOpen(sentAt: self.sentAt, now: self.sentAt.addingTimeInterval(elapsed)))
    }

    @Test func aClockSlightlyBehindTheSenderStillAllowsEditing() {
        #expect(self.policy.isOpen(sentAt: self.sentAt, now: self.sentAt.addingTimeInterval(-2)))
    }

    @Test func theLengthIsConfigurable() {
        let short = EditWindowPolicy(length: 60)
        #expect(short.isOpen(sentAt: self.sentAt, now: self.sentAt.addingTimeInterval(60)))
        #expect(!short.isOpen(sentAt: self.sentAt, now: self.sentAt.addingTimeInterval(60.001)))
    }
}
