import InMemory
import TestSupport
import Testing

/// The presence contract against the one-process registry: both "processes" are the same registry.
struct InMemoryPresenceContractTests {
    @Test(arguments: PresenceRegistryContract.cases) func presence(_ c: PresenceContract) async throws {
        let registry = InMemoryPresenceRegistry()
        try await c.run(PresencePair(first: registry, second: registry))
    }
}
