package import Foundation

/// New ids, injected so tests can predict them.
package protocol IDGenerator: Sendable {
    func next() -> UUID
}

/// Random (version 4) UUIDs.
package struct RandomIDGenerator: IDGenerator {
    package init() {}
    package func next() -> UUID { UUID() }
}
