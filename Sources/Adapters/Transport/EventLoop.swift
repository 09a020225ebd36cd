internal import CLinuxShim
internal import Glibc
internal import HTTPCore
import Synchronization

/// One epoll instance and the thread that waits on it; one loop per core.
///
/// Loop-confined state (the fd table, timers, the read buffer) is touched only by the loop's own thread; other
/// threads reach the loop only through `execute` and `scheduleFlush`, which go through a mutex-guarded inbox and an
/// eventfd wake-up. That is the guarantee behind `@unchecked Sendable`.
package final class EventLoop: @unchecked Sendable {
    /// A small number naming the loop in thread names and logs.
    package let index: Int
    let epollFD: Int32
    private let wakeFD: Int32
    private let inbox = Mutex<Inbox>(Inbox())
    private let wakeupPending = Atomic<Bool>(false)
    private let loopThread = Atomic<UInt>(0)
    private let joinable = Mutex<pthread_t?>(nil)
    /// Client connections this loop serves (or is about to): the listener hands each new one to the loop with the
    /// fewest.
    let connections = Atomic<Int>(0)
    /// How many client connections this loop serves now.
    package var connectionCount: Int { self.connections.load(ordering: .relaxed) }

    // MARK: Loop-confined state
    private var handlers: [Int32: any LoopHandler] = [:]
    private var localFlushes: [any LoopFlushable] = []
    /// Work the loop's own thread asked it to run (`execute` on the loop): no lock, no wake-up.
    private var localTasks: [@Sendable () -> Void] = []
    private var timers: [Timer] = []
    private var running = true
    private var nextSweep: UInt64 = 0
    private var cachedDateSecond = -1
    private var cachedDate: [UInt8] = []
    /// How often handlers are asked to check their deadlines (timeouts, pings).
    var sweepInterval: UInt64 = 250_000_000
    /// How long WebSocket output may wait to be coalesced with more (0: flushed at the end of each iteration).
    var flushDelay: UInt64 = 0
    private var flushDeadline: UInt64 = .max
    /// One 64 KiB buffer per loop: every read lands here and parsers keep only what they must.
    let readBuffer: UnsafeMutableRawBufferPointer
    /// Scratch iovecs for `writev`.
    let iovecs: UnsafeMutablePointer<iovec>
    static let maxIOVecs = 64
    private let events: UnsafeMutableRawPointer
    private static let maxEvents: Int32 = 256

    private struct Inbox {
        var tasks: [@Sendable () -> Void] = []
        var flushes: [any LoopFlushable] = []
    }

    private struct Timer {
        var deadline: UInt64
        var id: UInt64
        var action: () -> Void
    }

    /// Names a scheduled timer, so it can be cancelled.
    package struct TimerID: Hashable, Sendable {
        let value: UInt64
    }

    private var nextTimerID: UInt64 = 0

    /// Creates the epoll instance and its wake-up eventfd; `start()` runs it on its own thread.
    package init(index: Int = 0) throws(SystemError) {
        self.index = index
        let ep = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard ep >= 0 else { throw SystemError(errno: Glibc.errno, function: "epoll_create1") }
        let ev = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard ev >= 0 else {
            close(ep)
            throw SystemError(errno: Glibc.errno, function: "eventfd")
        }
        self.epollFD = ep
        self.wakeFD = ev
        self.readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        self.iovecs = UnsafeMutablePointer<iovec>.allocate(capacity: Self.maxIOVecs)
        self.events = UnsafeMutableRawPointer.allocate(
            byteCount: shim_epoll_event_size() * Int(Self.maxEvents),
            alignment: 16
        )
        _ = shim_epoll_add(ep, ev, shim_epollin())
    }

    deinit {
        close(self.epollFD)
        close(self.wakeFD)
        self.readBuffer.deallocate()
        self.iovecs.deallocate()
        self.events.deallocate()
    }

    // MARK: - Threads

    /// Starts the loop's thread.
    package func start() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(
            &thread,
            nil,
            { argument in
                let loop = Unmanaged<EventLoop>.fromOpaque(argument!).takeRetainedValue()
                loop.run()
                return nil
            },
            box
        )
        precondition(rc == 0, "pthread_create failed: \(rc)")
        self.joinable.withLock { $0 = thread }
    }

    /// Stops the loop after the work already queued, closes every fd it owns and waits for its thread to end.
    package func stopAndJoin() {
        self.execute { [self] in self.running = false }
        let thread = self.joinable.withLock { t -> pthread_t? in
            defer { t = nil }
            return t
        }
        if let thread, !self.inLoop { pthread_join(thread, nil) }
    }

    /// True on the loop's own thread.
    package var inLoop: Bool {
        self.loopThread.load(ordering: .relaxed) == UInt(pthread_self())
    }

    // MARK: - Cross-thread entry points

    /// Runs `task` on the loop thread, after the current event batch. Tasks from one thread run in the order given;
    /// from the loop's own thread this costs an array append (no lock, no wake-up).
    package func execute(_ task: @escaping @Sendable () -> Void) {
        if self.inLoop {
            self.localTasks.append(task)
            return
        }
        self.inbox.withLock { $0.tasks.append(task) }
        self.wake()
    }

    /// Asks the loop to call `flushOnLoop()` at the end of its current iteration. On the loop thread this costs
    /// an array append; from elsewhere one mutex and at most one eventfd write per loop iteration.
    func scheduleFlush(_ target: any LoopFlushable) {
        if self.inLoop {
            self.addLocalFlush(target)
        } else {
            self.inbox.withLock { $0.flushes.append(target) }
            self.wake()
        }
    }

    /// `scheduleFlush` for many targets: one lock and at most one wake-up for all of them.
    func scheduleFlush(_ targets: [any LoopFlushable]) {
        if self.inLoop {
            for target in targets { self.addLocalFlush(target) }
        } else if !targets.isEmpty {
            self.inbox.withLock { $0.flushes.append(contentsOf: targets) }
            self.wake()
        }
    }

    private func wake() {
        // Only the first producer after the loop last drained its inbox pays for the syscall.
        guard !self.wakeupPending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var one: UInt64 = 1
        _ = write(self.wakeFD, &one, 8)
    }

    // MARK: - Loop-confined API

    /// Registers `handler` for `fd` with the given epoll interest.
    func register(_ fd: Int32, _ handler: any LoopHandler, events: UInt32) {
        self.handlers[fd] = handler
        _ = shim_epoll_add(self.epollFD, fd, events)
    }

    /// Changes the epoll interest of a registered fd.
    func modify(_ fd: Int32, events: UInt32) {
        _ = shim_epoll_mod(self.epollFD, fd, events)
    }

    /// Forgets `fd` and closes it.
    func deregisterAndClose(_ fd: Int32) {
        guard self.handlers.removeValue(forKey: fd) != nil else { return }
        _ = shim_epoll_del(self.epollFD, fd)
        close(fd)
    }

    /// Forgets `fd` without closing it (a listening socket shared by every loop).
    func deregister(_ fd: Int32) {
        guard self.handlers.removeValue(forKey: fd) != nil else { return }
        _ = shim_epoll_del(self.epollFD, fd)
    }

    /// The handlers registered now (connections and listeners).
    var registeredHandlers: [any LoopHandler] { Array(self.handlers.values) }

    /// Runs `action` on the loop at or after `deadline` (monotonic nanoseconds). Call it on the loop thread.
    @discardableResult
    package func schedule(at deadline: UInt64, _ action: @escaping () -> Void) -> TimerID {
        self.nextTimerID += 1
        let position = self.timers.firstIndex { $0.deadline > deadline } ?? self.timers.count
        self.timers.insert(Timer(deadline: deadline, id: self.nextTimerID, action: action), at: position)
        return TimerID(value: self.nextTimerID)
    }

    /// Forgets a timer that has not fired (its action and what it holds are released now, not at its deadline).
    package func cancel(_ timer: TimerID) {
        self.timers.removeAll { $0.id == timer.value }
    }

    /// Monotonic time in nanoseconds.
    package static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// The IMF-fixdate for the `Date` header, formatted at most once a second per loop.
    var httpDate: [UInt8] {
        let t = Int(time(nil))
        if t != self.cachedDateSecond {
            self.cachedDateSecond = t
            self.cachedDate = HTTPDate.imfFixdate(secondsSince1970: t)
        }
        return self.cachedDate
    }

    // MARK: - The loop

    private func run() {
        self.loopThread.store(UInt(pthread_self()), ordering: .releasing)
        pthread_setname_np(pthread_self(), "loop-\(self.index)")
        let events = self.events.assumingMemoryBound(to: epoll_event.self)
        while self.running {
            let n = epoll_wait(self.epollFD, events, Self.maxEvents, self.waitTimeout())
            if n < 0 {
                precondition(Glibc.errno == EINTR, "epoll_wait failed: \(Glibc.errno)")
                continue
            }
            var woken = false
            for i in 0..<Int32(n) {
                let fd = shim_epoll_event_fd(events, i)
                if fd == self.wakeFD {
                    woken = true
                    continue
                }
                self.handlers[fd]?.handleEvents(shim_epoll_event_events(events, i))
            }
            if woken { self.drainInbox() }
            self.runLocalTasks()
            self.runTimers()
            if self.flushDelay == 0 || EventLoop.now() >= self.flushDeadline { self.drainLocalFlushes() }
        }
        // Each handler closes what it owns; a listener shared by all loops is closed by its server.
        for handler in self.handlers.values { handler.loopStopping() }
        for fd in self.handlers.keys { _ = shim_epoll_del(self.epollFD, fd) }
        self.handlers.removeAll()
        self.timers.removeAll()
        self.localFlushes.removeAll()
        self.localTasks.removeAll()
    }

    private func waitTimeout() -> Int32 {
        var deadline = UInt64.max
        if let first = self.timers.first { deadline = first.deadline }
        if !self.handlers.isEmpty { deadline = min(deadline, self.nextSweep) }
        if !self.localFlushes.isEmpty { deadline = min(deadline, self.flushDelay == 0 ? 0 : self.flushDeadline) }
        if !self.localTasks.isEmpty { deadline = 0 }
        guard deadline != .max else { return -1 }
        let now = Self.now()
        guard deadline > now else { return 0 }
        // Round up so that the loop never wakes a hair early and spins on a zero timeout.
        return Int32(min((deadline - now + 999_999) / 1_000_000, 60_000))
    }

    private func drainInbox() {
        var counter: UInt64 = 0
        _ = read(self.wakeFD, &counter, 8)
        self.wakeupPending.store(false, ordering: .sequentiallyConsistent)
        let (tasks, flushes) = self.inbox.withLock { inbox in
            defer {
                inbox.tasks.removeAll(keepingCapacity: true)
                inbox.flushes.removeAll(keepingCapacity: true)
            }
            return (inbox.tasks, inbox.flushes)
        }
        for task in tasks { task() }
        if self.flushDelay == 0 {
            for target in flushes { target.flushOnLoop() }
        } else {
            for target in flushes { self.addLocalFlush(target) }
        }
    }

    /// Runs what the loop queued for itself, including what those tasks queue, up to a bound per iteration so
    /// that a chain of tasks cannot keep the sockets waiting.
    private func runLocalTasks() {
        var rounds = 0
        while !self.localTasks.isEmpty && rounds < 64 {
            let tasks = self.localTasks
            self.localTasks.removeAll(keepingCapacity: true)
            for task in tasks { task() }
            rounds += 1
        }
    }

    private func addLocalFlush(_ target: any LoopFlushable) {
        if self.localFlushes.isEmpty && self.flushDelay > 0 { self.flushDeadline = EventLoop.now() + self.flushDelay }
        self.localFlushes.append(target)
    }

    private func runTimers() {
        let now = Self.now()
        while let first = self.timers.first, first.deadline <= now {
            self.timers.removeFirst()
            first.action()
        }
        if now >= self.nextSweep {
            self.nextSweep = now + self.sweepInterval
            for handler in self.handlers.values { handler.tick(now: now) }
        }
    }

    private func drainLocalFlushes() {
        var i = 0
        while i < self.localFlushes.count {
            self.localFlushes[i].flushOnLoop()
            i += 1
        }
        self.localFlushes.removeAll(keepingCapacity: self.localFlushes.count <= 4096)
        self.flushDeadline = .max
    }
}
