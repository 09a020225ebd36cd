import Domain
import Testing

struct RoomRulesTests {
    @Test func titlesAreOneLineOfAtMost200Characters() {
        #expect(throws: Never.self) { try RoomRules.validate(title: "Conveyor belt B2 stopped") }
        #expect(throws: Never.self) { try RoomRules.validate(title: String(repeating: "林", count: 200)) }
        #expect(throws: DomainError.validationFailed(field: "title", reason: "must be at most 200 characters")) {
            try RoomRules.validate(title: String(repeating: "林", count: 201))
        }
        #expect(throws: DomainError.validationFailed(field: "title", reason: "must not be empty")) {
            try RoomRules.validate(title: " \n\t ")
        }
    }

    @Test(arguments: ["line\none", "tab\there", "cr\rhere", "nul\u{0}", "c1\u{85}x", "del\u{7F}"])
    func titlesRefuseLineBreaksAndControls(_ title: String) {
        #expect(
            throws: DomainError.validationFailed(field: "title", reason: "must be one line without control characters")
        ) {
            try RoomRules.validate(title: title)
        }
    }

    @Test func locationsMayBeEmptyButAreOneLine() {
        #expect(throws: Never.self) { try RoomRules.validate(location: "") }
        #expect(throws: Never.self) { try RoomRules.validate(location: String(repeating: "x", count: 200)) }
        #expect(throws: DomainError.self) { try RoomRules.validate(location: String(repeating: "x", count: 201)) }
        #expect(throws: DomainError.self) { try RoomRules.validate(location: "Line 3\nBay 2") }
    }

    @Test func descriptionsFollowTheTextLimit() {
        #expect(throws: Never.self) { try RoomRules.validate(description: "first line\nsecond\tline") }
        #expect(throws: Never.self) { try RoomRules.validate(description: String(repeating: "a", count: 10_240)) }
        #expect(throws: DomainError.validationFailed(field: "description", reason: "must be at most 10240 bytes")) {
            try RoomRules.validate(description: String(repeating: "a", count: 10_241))
        }
        #expect(throws: DomainError.validationFailed(field: "description", reason: "contains control characters")) {
            try RoomRules.validate(description: "bell\u{7}")
        }
    }

    @Test func lotsAreAtMostFiftyOneLineNames() {
        #expect(throws: Never.self) { try RoomRules.validate(lots: []) }
        #expect(throws: Never.self) { try RoomRules.validate(lots: (1...50).map { "LOT-\($0)" }) }
        #expect(throws: DomainError.validationFailed(field: "lots", reason: "at most 50 lots")) {
            try RoomRules.validate(lots: (1...51).map { "LOT-\($0)" })
        }
        #expect(throws: Never.self) { try RoomRules.validate(lots: [String(repeating: "9", count: 100)]) }
        for bad in ["", "  ", String(repeating: "9", count: 101)] {
            #expect(throws: DomainError.validationFailed(field: "lots", reason: "each lot is 1 to 100 characters")) {
                try RoomRules.validate(lots: ["LOT-1", bad])
            }
        }
        #expect(throws: DomainError.self) { try RoomRules.validate(lots: ["LOT\n2"]) }
    }
}
