import Testing
import Transport

struct UTF8ValidatorTests {
    @Test(
        arguments: [
            ([0x41, 0x42], true), ([0xC3, 0xA9], true), ([0xE2, 0x82, 0xAC], true), ([0xF0, 0x9F, 0x98, 0x80], true),
            ([0xC0, 0x80], false), ([0xED, 0xA0, 0x80], false), ([0xF4, 0x90, 0x80, 0x80], false), ([0xFF], false),
            ([0xE2, 0x82], false), ([0x80], false),
        ] as [([UInt8], Bool)]
    )
    func classifies(_ bytes: [UInt8], _ valid: Bool) {
        #expect(UTF8Validator.isValid(bytes) == valid)
    }
}
