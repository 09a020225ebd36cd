/// Command-line options of `incident-bench`.
struct BenchOptions {
    var host = "0.0.0.0"
    var port = 9001
    var loops: Int?
    var url = "ws://127.0.0.1:9001/ws/bench/"
    var connections = 100
    var rooms = 1
    var senders = 10
    var rate = 100.0
    var seconds = 10.0
    var warmup = 1.0
    var serverPID: Int32?
    var headers: [(String, String)] = []
    var pathTemplate: String?
    var idle = false
    var clientLoops = 1

    static let usage = """
        usage:
          incident-bench serve [--host H] [--port P] [--loops N]
          incident-bench run --url ws://127.0.0.1:P/ws/bench/ --connections N --rooms R --senders S --rate M
                             --seconds T [--server-pid PID] [--header 'Name: value']... [--path-template '/ws/{room}']
                             [--warmup SECONDS] [--client-loops N] [--idle]
          --senders is per room, --rate is messages per second per sender; --idle only connects and measures memory.
        """

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(_ arguments: [String]) throws {
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < arguments.count else { throw Invalid(description: "missing value for \(arguments[i - 1])") }
            return arguments[i]
        }
        func number<T: LosslessStringConvertible>(_ name: String) throws -> T {
            let text = try value()
            guard let n = T(text) else { throw Invalid(description: "\(name) needs a number, got \(text)") }
            return n
        }
        while i < arguments.count {
            let name = arguments[i]
            switch name {
            case "--host": self.host = try value()
            case "--port": self.port = try number(name)
            case "--loops": self.loops = try number(name)
            case "--url": self.url = try value()
            case "--connections": self.connections = try number(name)
            case "--rooms": self.rooms = try number(name)
            case "--senders": self.senders = try number(name)
            case "--rate": self.rate = try number(name)
            case "--seconds": self.seconds = try number(name)
            case "--warmup": self.warmup = try number(name)
            case "--server-pid": self.serverPID = try number(name)
            case "--client-loops": self.clientLoops = try number(name)
            case "--idle": self.idle = true
            case "--path-template": self.pathTemplate = try value()
            case "--header":
                let text = try value()
                guard let colon = text.firstIndex(of: ":") else { throw Invalid(description: "--header needs 'Name: value'") }
                self.headers.append((String(text[..<colon]), String(text[text.index(after: colon)...]).trimmingLeadingSpaces))
            default: throw Invalid(description: "unknown option \(name)")
            }
            i += 1
        }
    }
}

extension String {
    var trimmingLeadingSpaces: String { String(self.drop { $0 == " " }) }
}
