package import Domain

/// Moves the caller's read marker in a room forward (REST `POST /api/rooms/{id}/read` and the WebSocket `read`).
///
/// Any member, VIEWER too, or an admin. The marker becomes max(marker, min(n, the room's last sequence number)) and
/// never moves back; when it moves, the caller's mention notifications up to it are marked read (by the store, in the
/// same transaction) and the room's other members are told with a `read_receipt` (coalesced: at most one a second
/// per member). An admin who is not a member keeps a marker for their own counts, but is no member to report.
package struct MarkRoomRead: Sendable {
    let deps: Dependencies
    let receipts: ReadReceiptPublisher

    package init(_ deps: Dependencies, receipts: ReadReceiptPublisher) {
        self.deps = deps
        self.receipts = receipts
    }

    package func callAsFunction(_ roomID: RoomID, upTo sequence: Int64, by principal: Principal) async throws
        -> ReadMarker
    {
        guard sequence >= 0 else {
            throw DomainError.validationFailed(field: "sequence_number", reason: "must be a whole number ≥ 0")
        }
        try self.deps.limits.takeAction(for: principal.userID, at: self.deps.clock.now())
        let access = try await RoomAccess.resolve(roomID, for: principal, in: self.deps)
        try access.require(.read)
        let (marker, moved) = try await self.deps.rooms.advanceReadMarker(
            of: principal.userID, in: roomID, to: sequence, at: self.deps.clock.now())
        if moved, access.memberRole != nil, let readAt = marker.readAt {
            await self.receipts.offer(
                ReadReceipt(
                    roomID: roomID, userID: principal.userID, displayName: principal.displayName,
                    lastReadSequence: marker.lastReadSequence, readAt: readAt))
        }
        return marker
    }
}
