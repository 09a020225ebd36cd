/// Command-line options of `incident-bench`.
struct BenchOptions {
    var host = "0.0.0.0"
    var port = 9001
    var loops: Int?
    var url = "ws://127.0.0.1:9001/ws/bench/"
    var connections = 100
    var rooms = 1
    var senders = 10
    /// Per second: messages per sender (`run`, `room`; default 100), flushes (`disk-sync`; default 20).
    var rate: Double?
    var seconds = 10.0
    var warmup = 1.0
    var serverPID: Int32?
    var headers: [(String, String)] = []
    var pathTemplate: String?
    var roomIDs: [String] = []
    var tokenFile: String?
    var idle = false
    var clientLoops = 1
    var flushDelayMicroseconds = 0
    /// `room`: the service to prepare rooms on, and the bench users' password.
    var service = "http://127.0.0.1:8000"
    var password = "bench"
    /// `disk-sync`: the file to flush (beside the database's files, on the same disk).
    var path = ".data/disk-sync-probe"
    var failOnStall = false
    /// `soak`: the users the sockets belong to (bench1 ... benchN), a multiple of --rooms.
    var users = 1_000

    static let usage = """
        usage:
          incident-bench serve [--host H] [--port P] [--loops N] [--flush-delay-us N]
          incident-bench run --url ws://127.0.0.1:P/ws/bench/ --connections N --rooms R --senders S --rate M
                             --seconds T [--server-pid PID] [--header 'Name: value']... [--path-template '/ws/{room}']
                             [--warmup SECONDS] [--client-loops N] [--idle]
                             [--room-ids ID,ID,...] [--token-file FILE]
          incident-bench room [--service http://127.0.0.1:8000] [--password bench] --connections N --rooms R
                             --senders S --rate M --seconds T [--server-pid PID]
                             signs in bench1..benchN on incidentd --demo-directory, opens R rooms, adds the users as
                             EDITOR, then runs as `run` against /ws/{room_id} with one token per connection.
          incident-bench soak [--service http://127.0.0.1:8000] --connections N --users U --rooms R --rate M
                             --seconds T [--server-pid PID] [--client-loops N]
                             holds N sockets of bench1..benchU (each user's in one room) for T seconds with M
                             messages a second in all, beside a client that floods pings without reading and one
                             that uploads a byte a second; samples the server's RSS every 10 s and checks that
                             every socket got every message of its room, in order, once.
          incident-bench disk-sync [--path FILE] [--rate M] [--seconds T] [--fail-on-stall]
                             8 kB pwrite + fdatasync M times a second (default 20) into a 16 MB file: the disk's
                             commit latency, and every flush over 20 ms with its UTC time; --fail-on-stall exits
                             with 3 when there was one.
          --senders is per room, --rate is messages per second per sender; --idle only connects and measures memory.
          --room-ids names the rooms (default room0, room1 ...; their count sets --rooms) for --path-template.
          --token-file holds one token per line; connection i sends `Authorization: Bearer <line i mod n>`, so
          senders are different users (the real server limits each user to 10 messages/s).
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
            case "--flush-delay-us": self.flushDelayMicroseconds = try number(name)
            case "--idle": self.idle = true
            case "--path-template": self.pathTemplate = try value()
            case "--room-ids": self.roomIDs = try value().split(separator: ",").map(String.init)
            case "--token-file": self.tokenFile = try value()
            case "--service": self.service = try value()
            case "--password": self.password = try value()
            case "--path": self.path = try value()
            case "--fail-on-stall": self.failOnStall = true
            case "--users": self.users = try number(name)
            case "--header":
                let text = try value()
                guard let colon = text.firstIndex(of: ":") else {
                    throw Invalid(description: "--header needs 'Name: value'")
                }
                self.headers.append(
                    (String(text[..<colon]), String(text[text.index(after: colon)...]).trimmingLeadingSpaces)
                )
            default: throw Invalid(description: "unknown option \(name)")
            }
            i += 1
        }
    }
}

extension String {
    var trimmingLeadingSpaces: String { String(self.drop { $0 == " " }) }
}
