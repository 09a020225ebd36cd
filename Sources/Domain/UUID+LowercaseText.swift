import Foundation

extension UUID {
    /// The canonical lower-case text, `8-4-4-4-12` hex digits. Foundation's `uuidString` goes through
    /// `sprintf` and then needs `lowercased()`: together a visible share of the service's CPU, since every broadcast,
    /// acknowledgement and log line names a message and a room.
    package var lowercaseText: String {
        let digits: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: self.uuid) { source in
            String(unsafeUninitializedCapacity: 36) { target in
                digits.withUTF8Buffer { hex in
                    var position = 0
                    for (index, byte) in source.enumerated() {
                        if index == 4 || index == 6 || index == 8 || index == 10 {
                            target[position] = UInt8(ascii: "-")
                            position += 1
                        }
                        target[position] = hex[Int(byte >> 4)]
                        target[position + 1] = hex[Int(byte & 0x0F)]
                        position += 2
                    }
                    return position
                }
            }
        }
    }
}
