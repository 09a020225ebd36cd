import Application
import Domain
import Foundation
import Testing

/// At most one receipt per (room, user) a second, the latest value winning, with a manual clock.
struct ReadReceiptCoalescerTests {
    static let room = RoomID(uuid: UUID())
    static let start = Date(timeIntervalSince1970: 1_795_255_200)

    static func receipt(_ sequence: Int64, user: String = "lin@plant.example", room: RoomID = Self.room, at: Double)
        -> ReadReceipt
    {
        ReadReceipt(
            roomID: room, userID: UserID(user), displayName: user, lastReadSequence: sequence,
            readAt: Self.start.addingTimeInterval(at))
    }

    static func time(_ seconds: Double) -> Date { Self.start.addingTimeInterval(seconds) }

    @Test func theFirstReceiptGoesAtOnceAndTheLatestOfABurstAfterTheSecond() {
        var coalescer = ReadReceiptCoalescer()
        #expect(coalescer.offer(Self.receipt(3, at: 0), now: Self.time(0)) == Self.receipt(3, at: 0))
        #expect(coalescer.offer(Self.receipt(5, at: 0.2), now: Self.time(0.2)) == nil)
        #expect(coalescer.offer(Self.receipt(9, at: 0.7), now: Self.time(0.7)) == nil)
        #expect(coalescer.waiting == 1)
        #expect(coalescer.due(now: Self.time(0.99)).isEmpty)
        #expect(coalescer.due(now: Self.time(1.0)) == [Self.receipt(9, at: 0.7)])
        #expect(coalescer.waiting == 0)
        // The one just sent starts a new second: an offer within it waits again.
        #expect(coalescer.offer(Self.receipt(10, at: 1.5), now: Self.time(1.5)) == nil)
        #expect(coalescer.due(now: Self.time(1.9)).isEmpty)
        #expect(coalescer.due(now: Self.time(2.0)) == [Self.receipt(10, at: 1.5)])
        // Nothing waits: a quiet user is forgotten, and their next receipt goes at once.
        #expect(coalescer.due(now: Self.time(3.5)).isEmpty)
        #expect(coalescer.offer(Self.receipt(11, at: 3.6), now: Self.time(3.6)) == Self.receipt(11, at: 3.6))
    }

    @Test func usersAndRoomsAreCoalescedApart() {
        var coalescer = ReadReceiptCoalescer()
        let other = RoomID(uuid: UUID())
        #expect(coalescer.offer(Self.receipt(1, at: 0), now: Self.time(0)) != nil)
        #expect(coalescer.offer(Self.receipt(1, user: "wang@plant.example", at: 0.1), now: Self.time(0.1)) != nil)
        #expect(coalescer.offer(Self.receipt(1, room: other, at: 0.2), now: Self.time(0.2)) != nil)
        #expect(coalescer.offer(Self.receipt(2, at: 0.3), now: Self.time(0.3)) == nil)
        #expect(coalescer.offer(Self.receipt(2, user: "wang@plant.example", at: 0.4), now: Self.time(0.4)) == nil)
        #expect(
            coalescer.due(now: Self.time(1.2)) == [
                Self.receipt(2, at: 0.3), Self.receipt(2, user: "wang@plant.example", at: 0.4),
            ])
    }

    @Test func aSteadyReaderCostsOneReceiptASecond() {
        var coalescer = ReadReceiptCoalescer()
        var published: [(at: Date, receipt: ReadReceipt)] = []
        // Ten reads a second for ten seconds, flushed every 100 ms (a tighter tick than the server's).
        for tick in 0..<100 {
            let now = Self.time(Double(tick) / 10)
            if let receipt = coalescer.offer(Self.receipt(Int64(tick + 1), at: Double(tick) / 10), now: now) {
                published.append((now, receipt))
            }
            published += coalescer.due(now: now).map { (now, $0) }
        }
        published += coalescer.due(now: Self.time(11)).map { (Self.time(11), $0) }
        #expect(published.count <= 11)
        #expect(published.last?.receipt.lastReadSequence == 100)
        let gaps = zip(published, published.dropFirst()).map { $1.at.timeIntervalSince($0.at) }
        #expect(gaps.allSatisfy { $0 >= 0.999 }, "\(gaps)")
    }
}
