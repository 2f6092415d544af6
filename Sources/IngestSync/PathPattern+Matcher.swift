extension PathPattern.Program {
    /// Runs the NFA over `text` as a set of states (Thompson's simulation): each scalar is read
    /// once and each instruction visited at most once per scalar, so a match costs at most
    /// (text length + 1) x program size steps and nothing backtracks.
    func matchesPrefix(of text: String.UnicodeScalarView) -> Bool {
        var simulation = Simulation(instructions: instructions)
        var scalars = text.makeIterator()
        var place = Place(first: scalars.next(), second: scalars.next())
        var current: [Int] = []
        var next: [Int] = []
        if simulation.reachesMatch(from: 0, at: place, collecting: &current) { return true }
        while !current.isEmpty, let scalar = place.current {
            place.advance(bringingIn: scalars.next())
            simulation.startStep()
            next.removeAll(keepingCapacity: true)
            for pc in current where accepts(scalar.value, at: pc) {
                if simulation.reachesMatch(from: pc + 1, at: place, collecting: &next) { return true }
            }
            swap(&current, &next)
        }
        return false
    }

    private func accepts(_ value: UInt32, at pc: Int) -> Bool {
        switch instructions[pc] {
        case .scalar(let expected): value == expected
        case .anyButNewline: value != 0x0A
        case .any: true
        case .member(let index): sets[index].contains(value)
        case .assert, .split, .jump, .match: false
        }
    }

    /// The instructions reached at the current place, each visited once.
    private struct Simulation {
        let instructions: [PathPattern.Instruction]
        /// The step in which each instruction was last visited.
        var visitedInStep: [Int]
        var step = 0
        var pending: [Int] = []

        init(instructions: [PathPattern.Instruction]) {
            self.instructions = instructions
            visitedInStep = Array(repeating: -1, count: instructions.count)
        }

        mutating func startStep() { step += 1 }

        /// Follows splits, jumps and assertions from `start`, adding the instructions that read a
        /// scalar to `consumers`; true as soon as `match` is reached, since only yes or no is asked.
        mutating func reachesMatch(from start: Int, at place: Place, collecting consumers: inout [Int]) -> Bool {
            pending.append(start)
            while let pc = pending.popLast() {
                guard visitedInStep[pc] != step else { continue }
                visitedInStep[pc] = step
                switch instructions[pc] {
                case .match:
                    pending.removeAll(keepingCapacity: true)
                    return true
                case .jump(let target):
                    pending.append(target)
                case .split(let first, let second):
                    pending.append(second)
                    pending.append(first)
                case .assert(let assertion):
                    if place.satisfies(assertion) { pending.append(pc + 1) }
                case .scalar, .anyButNewline, .any, .member:
                    consumers.append(pc)
                }
            }
            return false
        }
    }

    /// A place between two scalars of the text, with the neighbours the assertions look at.
    private struct Place {
        private(set) var previous: Unicode.Scalar?
        private(set) var current: Unicode.Scalar?
        private var following: Unicode.Scalar?
        private let textIsEmpty: Bool

        init(first: Unicode.Scalar?, second: Unicode.Scalar?) {
            current = first
            following = second
            textIsEmpty = first == nil
        }

        mutating func advance(bringingIn scalar: Unicode.Scalar?) {
            previous = current
            current = following
            following = scalar
        }

        func satisfies(_ assertion: PathPattern.Assertion) -> Bool {
            switch assertion {
            case .textStart:
                return previous == nil
            case .lineStart:
                return previous == nil || previous == "\n"
            case .textEndOrFinalNewline:
                return current == nil || (current == "\n" && following == nil)
            case .lineEnd:
                return current == nil || current == "\n"
            case .textEnd:
                return current == nil
            case .wordBoundary(let asciiOnly):
                // Python finds no boundary, and no non-boundary, in an empty text.
                return !textIsEmpty && isWord(previous, asciiOnly) != isWord(current, asciiOnly)
            case .notWordBoundary(let asciiOnly):
                return !textIsEmpty && isWord(previous, asciiOnly) == isWord(current, asciiOnly)
            }
        }

        private func isWord(_ scalar: Unicode.Scalar?, _ asciiOnly: Bool) -> Bool {
            scalar.map { PathPattern.UnicodeRules.isWord($0.value, asciiOnly: asciiOnly) } ?? false
        }
    }
}
