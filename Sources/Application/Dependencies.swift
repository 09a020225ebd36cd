/// The ports the use cases run on, built once at the composition root, and the committer that orders every stored
/// change of a room.
package struct Dependencies: Sendable {
    package var users: any UserStore
    package var rooms: any RoomStore
    package var messages: any MessageStore
    package var files: any FileStore
    package var notifications: any NotificationStore
    package var revocations: any RevocationStore
    package var directory: any UserDirectory
    package var tokens: any TokenService
    package var objects: any ObjectStorage
    package var bus: any RoomEventBus
    package var presence: any PresenceRegistry
    package var clock: any WallClock
    package var ids: any IDGenerator
    /// Orders and publishes every stored change of a room (made once, from `messages` and `bus`).
    package let committer: RoomCommitter
    /// How often each person may act.
    package let limits: RateLimits

    package init(
        users: any UserStore, rooms: any RoomStore, messages: any MessageStore, files: any FileStore,
        notifications: any NotificationStore, revocations: any RevocationStore, directory: any UserDirectory,
        tokens: any TokenService, objects: any ObjectStorage, bus: any RoomEventBus, presence: any PresenceRegistry,
        clock: any WallClock = SystemClock(), ids: any IDGenerator = RandomIDGenerator(),
        limits: RateLimits = RateLimits()
    ) {
        self.users = users
        self.rooms = rooms
        self.messages = messages
        self.files = files
        self.notifications = notifications
        self.revocations = revocations
        self.directory = directory
        self.tokens = tokens
        self.objects = objects
        self.bus = bus
        self.presence = presence
        self.clock = clock
        self.ids = ids
        self.committer = RoomCommitter(store: messages, bus: bus)
        self.limits = limits
    }
}
