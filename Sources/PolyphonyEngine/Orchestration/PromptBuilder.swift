import PolyphonyCore

/// Turns a persona, the topic and a brief into the messages an agent is sent.
///
/// Prompts never tell an agent that its output will be better or worse than anyone's
/// (no outcome priming): declared expertise lives in the persona body alone, so a
/// persona without declared expertise gets exactly the same framing.
struct PromptBuilder: Sendable {
    let topic: String
    let ideasPerTurn: Int
    let structuredOutput: Bool

    /// The messages for `participant`, with the expert contributions typed in so far.
    func messages(for participant: Participant, brief: TurnBrief, expertNotes: [String]) -> [ChatMessage] {
        [.system(system(for: participant)), .user(user(brief: brief, expertNotes: expertNotes))]
    }

    /// What the human sees on their turn.
    func humanPrompt(brief: TurnBrief, expertNotes: [String]) -> String {
        var parts = [brief.context.isEmpty ? "" : brief.context, brief.instruction]
        if brief.expectsIdeas {
            parts.append("Type your answer; end it with an empty line. One idea per line or a numbered list. Commands: /skip, /end, /idea TEXT.")
        } else {
            parts.append("Type your answer; end it with an empty line. Commands: /skip, /end.")
        }
        return parts.filter { !$0.isEmpty }.joined(separator: "\n\n")
    }

    private func system(for participant: Participant) -> String {
        let seatGuidance: String
        switch participant.seat {
        case .member:
            seatGuidance = "You are one member of a small group generating ideas together."
        case .leader:
            seatGuidance = "You facilitate this group: you summarise the discussion so far and give each member an aspect to work on next."
        case .synthesizer:
            seatGuidance = "Your job is to integrate the group's discussion into one coherent proposal that cites the ideas it draws on by their ids."
        case .critic:
            seatGuidance = "Your job is to critique the proposals you are shown, concretely and constructively, through your own lens."
        }
        return """
            \(participant.persona.body)

            \(seatGuidance) Speak in your own voice, as described above. Be concrete and brief.
            """
    }

    fileprivate func user(brief: TurnBrief, expertNotes: [String]) -> String {
        var parts = ["Topic:\n\(topic)"]
        if !brief.context.isEmpty { parts.append(brief.context) }
        if !expertNotes.isEmpty {
            parts.append("Contributions from the human expert in the room:\n" + expertNotes.map { "- \($0)" }.joined(separator: "\n"))
        }
        parts.append(brief.instruction)
        if brief.expectsIdeas {
            if structuredOutput {
                parts.append("""
                    Reply with JSON only: {"ideas": [{"text": "...", "builds_on": ["i3"]}]} with at most \(ideasPerTurn) ideas. \
                    Each text is one idea in one to three sentences. builds_on lists the ids of ideas shown above that the idea develops, or is empty.
                    """)
            } else {
                parts.append("""
                    Answer with a numbered list of at most \(ideasPerTurn) ideas, one idea per item, each in one to three sentences. \
                    If an idea develops ideas shown above, end it with (builds on i3, i7) using their ids.
                    """)
            }
        }
        return parts.joined(separator: "\n\n")
    }
}

extension PromptBuilder {
    /// What a model is sent for the baseline pool: no persona and no system prompt, only the
    /// topic and the instruction a brainwriting member gets on its first turn.
    static func neutralMessages(topic: String, ideasPerTurn: Int) -> [ChatMessage] {
        let builder = PromptBuilder(topic: topic, ideasPerTurn: ideasPerTurn, structuredOutput: false)
        let brief = TurnBrief(context: "", instruction: "Write your ideas on your own.", ideas: .list)
        return [.user(builder.user(brief: brief, expertNotes: []))]
    }
}
