/// A condition's scripted human turns, read the way ``PolyphonyEngine/HumanSlot`` reads typed
/// lines, so a resumed session can skip the answers its recorded turns already used.
struct HumanScript {
    let lines: [String]

    /// The lines still to feed after `answered` answers were recorded as human turns.
    ///
    /// An answer is a block of lines ended by an empty line, or a lone `/skip` or `/end`.
    /// `/inject` lines are not answers: they are kept unless `injectsRecorded`, because a
    /// resumed session replays recorded injects itself.
    func remaining(afterAnswers answered: Int, injectsRecorded: Bool) -> [String] {
        var kept: [String] = []
        var seen = 0
        var inAnswer = false
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "/inject" || trimmed.hasPrefix("/inject ") {
                if !injectsRecorded { kept.append(line) }
                continue
            }
            guard seen < answered else {
                kept.append(line)
                continue
            }
            switch trimmed {
            case "/skip", "/end":
                seen += 1
                inAnswer = false
            case "":
                if inAnswer {
                    seen += 1
                    inAnswer = false
                }
            default:
                inAnswer = true
            }
        }
        return kept
    }
}
