/// "Did you mean": the nearest of the words a place in a policy file allows, so that a typo's
/// message names the fix and not only the list.
enum Suggestion {
    /// The allowed word nearest to `word` (case, `-` and `_` ignored), if it is near enough to be a
    /// likely typo: at most a third of the word's letters (at least one) differ.
    static func closest(to word: String, among allowed: [String]) -> String? {
        let folded = fold(word)
        let limit = max(1, folded.count / 3)
        var best: (word: String, distance: Int)?
        for candidate in allowed {
            let distance = editDistance(folded, fold(candidate))
            if distance <= limit && distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.word
    }

    private static func fold(_ word: String) -> [Character] {
        Array(word.lowercased().map { $0 == "-" ? "_" : $0 })
    }

    /// Insertions, deletions and substitutions (Levenshtein), one row at a time.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for i in a.indices {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for j in b.indices {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a[i] == b[j] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
