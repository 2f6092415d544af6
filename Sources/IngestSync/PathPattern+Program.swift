extension PathPattern {
    /// One step of a Thompson NFA. Plain values only (sets live beside the program), so that
    /// reading an instruction in the matcher's inner loop copies no references.
    enum Instruction: Equatable, Sendable {
        /// Read this scalar and go on to the next instruction; likewise for the three below.
        case scalar(UInt32)
        case anyButNewline
        case any
        /// A scalar of `Program.sets[index]`.
        case member(Int)
        /// Go on to the next instruction only if the assertion holds here.
        case assert(Assertion)
        /// Go on at both places.
        case split(Int, Int)
        case jump(Int)
        case match
    }

    /// A pattern compiled to NFA instructions, with counted repetitions written out.
    struct Program: Sendable {
        let instructions: [Instruction]
        let sets: [ScalarClass]

        init(compiling tree: Node, pattern: String) throws(PathPatternError) {
            let size = Self.size(of: tree) + 1
            guard size <= PathPattern.maximumProgramSize else {
                throw PathPatternError(
                    kind: .tooLarge, pattern: pattern, position: 0,
                    problem: "it compiles to more than \(PathPattern.maximumProgramSize) instructions "
                        + "(counted repetitions such as {m,n} are written out)",
                    fix: "use smaller counts, or * and + instead of large ones")
            }
            var builder = Builder()
            builder.instructions.reserveCapacity(size)
            builder.emit(tree)
            builder.instructions.append(.match)
            instructions = builder.instructions
            sets = builder.sets
        }

        /// How many instructions `node` compiles to, saturating just above the limit so that
        /// `(a{1000}){1000}` is refused without being built.
        static func size(of node: Node) -> Int {
            switch node {
            case .empty:
                return 0
            case .scalar, .assertion:
                return 1
            case .sequence(let nodes):
                return nodes.reduce(0) { capped($0 + size(of: $1)) }
            case .alternatives(let branches):
                return branches.reduce(2 * (branches.count - 1)) { capped($0 + size(of: $1)) }
            case .repetition(let body, let minimum, let maximum):
                let bodySize = size(of: body)
                let required = capped(bodySize, times: minimum)
                let optional = maximum.map { capped(bodySize + 1, times: $0 - minimum) } ?? bodySize + 2
                return capped(required + optional)
            }
        }

        private static let ceiling = PathPattern.maximumProgramSize + 1

        private static func capped(_ size: Int) -> Int { min(size, ceiling) }

        private static func capped(_ size: Int, times count: Int) -> Int {
            let (product, overflow) = size.multipliedReportingOverflow(by: count)
            return overflow ? ceiling : capped(product)
        }

        private struct Builder {
            var instructions: [Instruction] = []
            var sets: [ScalarClass] = []
            private var setIndexes: [ScalarClass: Int] = [:]

            mutating func emit(_ node: Node) {
                switch node {
                case .empty:
                    break
                case .scalar(let test):
                    instructions.append(consuming(test))
                case .assertion(let assertion):
                    instructions.append(.assert(assertion))
                case .sequence(let nodes):
                    for node in nodes { emit(node) }
                case .alternatives(let branches):
                    emitAlternatives(branches)
                case .repetition(let body, let minimum, let maximum):
                    for _ in 0..<minimum { emit(body) }
                    if let maximum {
                        emitOptionalCopies(of: body, count: maximum - minimum)
                    } else {
                        emitLoop(of: body)
                    }
                }
            }

            /// split(first, next); first; jump(end); next: split(second, ...) ... last
            private mutating func emitAlternatives(_ branches: [Node]) {
                var jumpsToEnd: [Int] = []
                for branch in branches.dropLast() {
                    let split = placeholder()
                    emit(branch)
                    jumpsToEnd.append(placeholder())
                    instructions[split] = .split(split + 1, instructions.count)
                }
                emit(branches[branches.count - 1])
                for jump in jumpsToEnd { instructions[jump] = .jump(instructions.count) }
            }

            /// Each copy may be skipped, and once one is skipped so are the rest.
            private mutating func emitOptionalCopies(of body: Node, count: Int) {
                var splits: [Int] = []
                for _ in 0..<count {
                    splits.append(placeholder())
                    emit(body)
                }
                for split in splits { instructions[split] = .split(split + 1, instructions.count) }
            }

            private mutating func emitLoop(of body: Node) {
                let split = placeholder()
                emit(body)
                instructions.append(.jump(split))
                instructions[split] = .split(split + 1, instructions.count)
            }

            /// A set repeated by a count is stored once.
            private mutating func consuming(_ test: ScalarTest) -> Instruction {
                switch test {
                case .exactly(let value): return .scalar(value)
                case .anyButNewline: return .anyButNewline
                case .any: return .any
                case .member(let set):
                    if let index = setIndexes[set] { return .member(index) }
                    setIndexes[set] = sets.count
                    sets.append(set)
                    return .member(sets.count - 1)
                }
            }

            private mutating func placeholder() -> Int {
                instructions.append(.match)
                return instructions.count - 1
            }
        }
    }
}
