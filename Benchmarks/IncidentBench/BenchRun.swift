struct BenchRun {
    let options: BenchOptions
    func run() async {}
}
