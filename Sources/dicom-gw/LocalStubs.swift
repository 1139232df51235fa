// LOCAL ONLY, never committed: main lists EchoCommand/SendCommand from another branch.
import ArgumentParser
struct EchoCommand: ParsableCommand { static let configuration = CommandConfiguration(commandName: "echo") }
struct SendCommand: ParsableCommand { static let configuration = CommandConfiguration(commandName: "send") }
