/// Prints its runtime keys back, so a test can see they crossed the tender intact.
struct ArgumentsTest {
    func start() async {
        print("text=[\(Keys.text)] number=\(Keys.number) flag=\(Keys.flag)")
        print("SUCCESS: arguments")
    }
}
