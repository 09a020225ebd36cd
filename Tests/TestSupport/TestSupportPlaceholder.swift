import Testing
package func probeExpect(_ a: Int) { #expect(a == 1) }
