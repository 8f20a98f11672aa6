import Foundation
import PolyphonyCore

/// Decodes the common transcript lines straight from their bytes, several times faster than
/// `JSONDecoder`, or declines.
///
/// It takes the `turn`, `idea`, `note` and `end` lines the writer produces and nothing it is
/// unsure of: a session header, a key it does not know, a key twice, a number it would have
/// to round, an escape it cannot map, bytes that are not UTF-8 or not JSON. For those it
/// returns `nil` and ``TranscriptReader`` decodes the line with `JSONDecoder` as before, so
/// every event, every accepted oddity and every error message stays what that path gives.
/// What it does accept it decodes to the very values the `Codable` path would.
enum TranscriptLineDecoder {
    /// The event `line` holds, or `nil` when the line needs the `JSONDecoder` path.
    static func event(_ line: UnsafeRawBufferPointer) -> TranscriptEvent? {
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var scanner = Scanner(base: base, end: line.count)
        return scanner.event()
    }

    /// Every key a fast-path event may hold; the raw value is the key as written.
    private enum Key: String, CaseIterable {
        case type, id, author, round, text, parents, turn
        case index, phase, speaker, kind, backend, model, messages, response, usage, attempts, cached, at
        case messagesDigest = "messages_digest", finishReason = "finish_reason", latencyMs = "latency_ms"
        case status, reason, totals

        /// The keys' UTF-8 bytes and presence bits, grouped by length for lookup.
        static let byLength: [[(bytes: [UInt8], key: Key, bit: UInt32)]] = {
            var table = [[(bytes: [UInt8], key: Key, bit: UInt32)]](repeating: [], count: 32)
            for (index, key) in allCases.enumerated() {
                table[key.rawValue.utf8.count].append((Array(key.rawValue.utf8), key, 1 << UInt32(index)))
            }
            return table
        }()
    }

    /// The values a line's keys held, before they are assembled into one event. Optional
    /// fields are `nil` both when absent and when `null`, as `decodeIfPresent` has them; a
    /// required field that is `nil` declines the line.
    private struct Fields {
        var seen: UInt32 = 0
        var type: TranscriptEvent.EventType?
        var id: String?, author: String?, text: String?, phase: String?, speaker: String?
        var backend: String?, model: String?, response: String?, messagesDigest: String?, reason: String?
        var round: Int?, turn: Int?, index: Int?, attempts: Int?
        var parents: [String]?
        var kind: TurnRecord.SpeakerKind?
        var messages: [ChatMessage]?
        var usage: TokenUsage?
        var cached: Bool?
        var at: Date?
        var finishReason: FinishReason?
        var latencyMs: Double?
        var status: EndRecord.Status?
        var totals: EndRecord.Totals?
    }

    private struct Scanner {
        let base: UnsafePointer<UInt8>
        let end: Int
        var position = 0

        init(base: UnsafePointer<UInt8>, end: Int) {
            self.base = base
            self.end = end
        }

        mutating func event() -> TranscriptEvent? {
            var fields = Fields()
            guard objectOfKeys({ scanner, key, bit in scanner.field(key, bit: bit, into: &fields) }) else { return nil }
            skipWhitespace()
            guard position == end, let type = fields.type else { return nil }
            switch type {
            case .idea:
                guard let id = fields.id, let author = fields.author, let round = fields.round, let text = fields.text,
                      let parents = fields.parents else { return nil }
                return .idea(IdeaRecord(id: id, author: author, round: round, text: text, parents: parents, turn: fields.turn))
            case .turn:
                guard let index = fields.index, let round = fields.round, let phase = fields.phase, let speaker = fields.speaker,
                      let kind = fields.kind, let response = fields.response else { return nil }
                return .turn(TurnRecord(
                    index: index, round: round, phase: phase, speaker: speaker, kind: kind, backend: fields.backend,
                    model: fields.model, messages: fields.messages, messagesDigest: fields.messagesDigest, response: response,
                    finishReason: fields.finishReason, usage: fields.usage, latencyMs: fields.latencyMs,
                    attempts: fields.attempts, cached: fields.cached, at: fields.at
                ))
            case .note:
                guard let text = fields.text else { return nil }
                return .note(NoteRecord(text: text, round: fields.round, at: fields.at))
            case .end:
                guard let status = fields.status, let totals = fields.totals else { return nil }
                return .end(EndRecord(status: status, reason: fields.reason, totals: totals, at: fields.at))
            case .session:
                return nil
            }
        }

        /// Reads one value for `key`; `false` declines the line. `null` leaves the field `nil`.
        mutating func field(_ key: Key, bit: UInt32, into fields: inout Fields) -> Bool {
            guard fields.seen & bit == 0 else { return false }
            fields.seen |= bit
            if literal("null") { return true }
            switch key {
            case .type: fields.type = string().flatMap(TranscriptEvent.EventType.init(rawValue:))
                return fields.type != nil
            case .id: fields.id = string(); return fields.id != nil
            case .author: fields.author = string(); return fields.author != nil
            case .text: fields.text = string(); return fields.text != nil
            case .phase: fields.phase = string(); return fields.phase != nil
            case .speaker: fields.speaker = string(); return fields.speaker != nil
            case .backend: fields.backend = string(); return fields.backend != nil
            case .model: fields.model = string(); return fields.model != nil
            case .response: fields.response = string(); return fields.response != nil
            case .messagesDigest: fields.messagesDigest = string(); return fields.messagesDigest != nil
            case .reason: fields.reason = string(); return fields.reason != nil
            case .round: fields.round = integer(); return fields.round != nil
            case .turn: fields.turn = integer(); return fields.turn != nil
            case .index: fields.index = integer(); return fields.index != nil
            case .attempts: fields.attempts = integer(); return fields.attempts != nil
            case .latencyMs: fields.latencyMs = double(); return fields.latencyMs != nil
            case .cached:
                if literal("true") { fields.cached = true } else if literal("false") { fields.cached = false } else { return false }
                return true
            case .at:
                fields.at = string().flatMap(TranscriptCoding.parseDate(_:))
                return fields.at != nil
            case .kind: fields.kind = string().flatMap(TurnRecord.SpeakerKind.init(rawValue:)); return fields.kind != nil
            case .finishReason: fields.finishReason = string().flatMap(FinishReason.init(rawValue:)); return fields.finishReason != nil
            case .status: fields.status = string().flatMap(EndRecord.Status.init(rawValue:)); return fields.status != nil
            case .parents:
                var parents: [String] = []
                guard array({ scanner in scanner.string().map { parents.append($0) } != nil }) else { return false }
                fields.parents = parents
                return true
            case .messages:
                var messages: [ChatMessage] = []
                guard array({ scanner in scanner.message().map { messages.append($0) } != nil }) else { return false }
                fields.messages = messages
                return true
            case .usage:
                var prompt: Int??, completion: Int??
                let parsed = objectOfNames { scanner, name in
                    switch name {
                    case "prompt_tokens" where prompt == nil:
                        prompt = scanner.optionalInteger()
                        return prompt != nil
                    case "completion_tokens" where completion == nil:
                        completion = scanner.optionalInteger()
                        return completion != nil
                    default: return false
                    }
                }
                guard parsed else { return false }
                fields.usage = TokenUsage(promptTokens: prompt ?? nil, completionTokens: completion ?? nil)
                return true
            case .totals:
                var values: [String: Int] = [:]
                let parsed = objectOfNames { scanner, name in
                    guard ["turns", "ideas", "prompt_tokens", "completion_tokens"].contains(name), values[name] == nil,
                          let value = scanner.integer() else { return false }
                    values[name] = value
                    return true
                }
                guard parsed, let turns = values["turns"], let ideas = values["ideas"],
                      let prompt = values["prompt_tokens"], let completion = values["completion_tokens"] else { return false }
                fields.totals = EndRecord.Totals(turns: turns, ideas: ideas, promptTokens: prompt, completionTokens: completion)
                return true
            }
        }

        /// `{"content": …, "role": …}`, both required, nothing else.
        mutating func message() -> ChatMessage? {
            var role: ChatMessage.Role?, content: String?
            let parsed = objectOfNames { scanner, name in
                switch name {
                case "role" where role == nil:
                    role = scanner.string().flatMap(ChatMessage.Role.init(rawValue:))
                    return role != nil
                case "content" where content == nil:
                    content = scanner.string()
                    return content != nil
                default: return false
                }
            }
            guard parsed, let role, let content else { return nil }
            return ChatMessage(role: role, content: content)
        }

        // MARK: JSON structure

        /// An object whose keys are all ``Key``s, each handed to `value` positioned at its value.
        mutating func objectOfKeys(_ value: (inout Scanner, Key, UInt32) -> Bool) -> Bool {
            object { scanner, bytes in
                guard bytes.count < Key.byLength.count else { return false }
                for candidate in Key.byLength[bytes.count] where memcmp(candidate.bytes, bytes.baseAddress!, bytes.count) == 0 {
                    return value(&scanner, candidate.key, candidate.bit)
                }
                return false
            }
        }

        /// An object with arbitrary (escape-free) keys, handed to `value` as strings.
        mutating func objectOfNames(_ value: (inout Scanner, String) -> Bool) -> Bool {
            object { scanner, bytes in
                guard let name = String(validating: bytes, as: UTF8.self) else { return false }
                return value(&scanner, name)
            }
        }

        private mutating func object(_ value: (inout Scanner, UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
            skipWhitespace()
            guard take(0x7B) else { return false }  // {
            skipWhitespace()
            if take(0x7D) { return true }  // }
            while true {
                skipWhitespace()
                guard let name = rawKey() else { return false }
                skipWhitespace()
                guard take(0x3A) else { return false }  // :
                skipWhitespace()
                guard value(&self, name) else { return false }
                skipWhitespace()
                if take(0x2C) { continue }  // ,
                return take(0x7D)
            }
        }

        /// `[ element, … ]`.
        mutating func array(_ element: (inout Scanner) -> Bool) -> Bool {
            skipWhitespace()
            guard take(0x5B) else { return false }  // [
            skipWhitespace()
            if take(0x5D) { return true }  // ]
            while true {
                skipWhitespace()
                guard element(&self) else { return false }
                skipWhitespace()
                if take(0x2C) { continue }
                return take(0x5D)
            }
        }

        /// A key without escapes, as the bytes between its quotes.
        private mutating func rawKey() -> UnsafeBufferPointer<UInt8>? {
            guard case .plain(let bytes) = quoted() else { return nil }
            return bytes
        }

        // MARK: JSON values

        /// What ``quoted()`` found.
        private enum Quoted {
            /// The bytes between the quotes, which hold no escape.
            case plain(UnsafeBufferPointer<UInt8>)
            /// An escape, at `position`, in the string whose first byte is at `start`.
            case escaped(start: Int)
            /// No string, or one with a raw control character or no closing quote.
            case invalid
        }

        /// Scans a string up to its closing quote, or up to its first escape.
        private mutating func quoted() -> Quoted {
            guard take(0x22) else { return .invalid }
            let start = position
            while position < end {
                let byte = base[position]
                if byte == 0x22 {
                    position += 1
                    return .plain(UnsafeBufferPointer(start: base + start, count: position - 1 - start))
                }
                if byte == 0x5C { return .escaped(start: start) }
                if byte < 0x20 { return .invalid }
                position += 1
            }
            return .invalid
        }

        /// A string value: UTF-8 checked, escapes decoded; `nil` for anything `JSONDecoder` might read differently.
        mutating func string() -> String? {
            switch quoted() {
            case .plain(let bytes): String(validating: bytes, as: UTF8.self)
            case .escaped(let start): escapedString(from: start)
            case .invalid: nil
            }
        }

        /// The rest of a string that holds escapes, from its first byte at `start`.
        private mutating func escapedString(from start: Int) -> String? {
            var bytes = Array(UnsafeBufferPointer(start: base + start, count: position - start))
            while position < end {
                let byte = base[position]
                position += 1
                switch byte {
                case 0x22:
                    return String(validating: bytes, as: UTF8.self)
                case 0x5C:
                    guard position < end else { return nil }
                    let escape = base[position]
                    position += 1
                    switch escape {
                    case 0x22, 0x5C, 0x2F: bytes.append(escape)
                    case 0x62: bytes.append(0x08)  // b
                    case 0x66: bytes.append(0x0C)  // f
                    case 0x6E: bytes.append(0x0A)  // n
                    case 0x72: bytes.append(0x0D)  // r
                    case 0x74: bytes.append(0x09)  // t
                    case 0x75:  // u
                        guard let first = hexQuad() else { return nil }
                        var scalar: Unicode.Scalar?
                        if (0xD800..<0xDC00).contains(first) {
                            guard take(0x5C), take(0x75), let second = hexQuad(), (0xDC00..<0xE000).contains(second) else { return nil }
                            scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
                        } else {
                            scalar = Unicode.Scalar(first)
                        }
                        guard let scalar else { return nil }
                        bytes.append(contentsOf: UTF8.encode(scalar)!)
                    default:
                        return nil
                    }
                default:
                    if byte < 0x20 { return nil }
                    bytes.append(byte)
                }
            }
            return nil
        }

        private mutating func hexQuad() -> UInt32? {
            guard position + 4 <= end else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = base[position]
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x41 + 10
                case 0x61...0x66: digit = byte - 0x61 + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }

        /// An integer written as one: `-?(0|[1-9][0-9]*)` within `Int`, not followed by a
        /// fraction or exponent (those go to `JSONDecoder`, which has its own rules for them).
        mutating func integer() -> Int? {
            let negative = take(0x2D)
            let start = position
            var value = 0
            while position < end, case 0x30...0x39 = base[position] {
                let digit = Int(base[position] - 0x30)
                let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowB) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
                guard !overflowA, !overflowB else { return nil }
                value = sum
                position += 1
            }
            let digits = position - start
            guard digits > 0, digits == 1 || base[start] != 0x30 else { return nil }
            if position < end, base[position] == 0x2E || base[position] == 0x65 || base[position] == 0x45 { return nil }
            return value
        }

        /// `null` as `.some(nil)`, an integer as `.some(value)`, anything else as `nil`.
        mutating func optionalInteger() -> Int?? {
            if literal("null") { return .some(nil) }
            return integer().map { .some($0) }
        }

        /// A JSON number as the nearest `Double` (what `strtod` gives, as `JSONDecoder` does).
        mutating func double() -> Double? {
            let start = position
            _ = take(0x2D)
            func digits() -> Int {
                let first = position
                while position < end, case 0x30...0x39 = base[position] { position += 1 }
                return position - first
            }
            let integerStart = position
            let integerDigits = digits()
            guard integerDigits > 0, integerDigits == 1 || base[integerStart] != 0x30 else { return nil }
            if take(0x2E) {
                guard digits() > 0 else { return nil }
            }
            if take(0x65) || take(0x45) {
                if !take(0x2B) { _ = take(0x2D) }
                guard digits() > 0 else { return nil }
            }
            let text = String(decoding: UnsafeBufferPointer(start: base + start, count: position - start), as: UTF8.self)
            guard let value = Double(text), value.isFinite else { return nil }
            return value
        }

        /// Consumes `word` if it comes next.
        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard position + count <= end, memcmp(base + position, word.utf8Start, count) == 0 else { return false }
            position += count
            return true
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard position < end, base[position] == byte else { return false }
            position += 1
            return true
        }

        mutating func skipWhitespace() {
            while position < end {
                switch base[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }
    }
}
