/// Does nothing, successfully.
struct Noop {
    func start() async {}
}
