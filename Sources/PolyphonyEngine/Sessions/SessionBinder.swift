import Foundation
import PolyphonyCore
import PolyphonyTranscript

/// Binds a session's seats to personas and backends, and checks the cast fits the protocol.
public struct SessionBinder: Sendable {
    /// Looks up a backends-file entry by name.
    public typealias BackendLookup = @Sendable (String) throws -> any ChatBackend

    private let library: PersonaLoader.Library
    private let personaDirectory: String
    private let backend: BackendLookup

    /// - Parameters:
    ///   - library: The persona library seats refer to by id.
    ///   - personaDirectory: Where the library was read from, for error messages.
    ///   - backend: Resolves a backend name; its errors name the backends file.
    public init(library: PersonaLoader.Library, personaDirectory: String, backend: @escaping BackendLookup) {
        self.library = library
        self.personaDirectory = personaDirectory
        self.backend = backend
    }

    /// Resolves every seat of `spec`.
    /// - Throws: ``PolyphonyError`` naming the session file and the seat's line.
    public func bind(_ spec: SessionSpec) throws -> Cast {
        var usedIDs: [String: Int] = [:]
        func participant(_ seat: SessionSpec.Seat, as role: ParticipantSnapshot.Seat) throws -> Participant {
            let persona = try resolvePersona(seat, file: spec.file)
            let count = usedIDs[persona.id, default: 0] + 1
            usedIDs[persona.id] = count
            let id = count == 1 ? persona.id : "\(persona.id)-\(count)"
            if persona.isHuman {
                return Participant(id: id, persona: persona, seat: role, backend: nil, backendName: nil, model: nil, temperature: nil)
            }
            guard let name = spec.backendOverride ?? seat.backend ?? persona.backend ?? spec.defaultBackend ?? spec.fallbackBackend else {
                throw PolyphonyError.invalidInput(
                    "no backend for '\(persona.id)': add 'backend: NAME' to this seat or at the top of the session file, pass --backend NAME, or set POLYPHONY_BACKEND",
                    file: spec.file, line: seat.line
                )
            }
            let chat: any ChatBackend
            do {
                chat = try backend(name)
            } catch let error as PolyphonyError {
                // A backend forced on the command line is the flag's fault, not the file's.
                if spec.backendOverride != nil { throw PolyphonyError.invalidInput("--backend \(name): \(error.description)") }
                throw PolyphonyError.invalidInput("seat '\(persona.id)': \(error.description)", file: spec.file, line: seat.line)
            }
            return Participant(
                id: id, persona: persona, seat: role, backend: chat, backendName: name, model: spec.modelOverride ?? seat.model,
                temperature: seat.temperature
            )
        }
        let cast = Cast(
            members: try spec.participants.map { try participant($0, as: .member) },
            leader: try spec.leader.map { try participant($0, as: .leader) },
            synthesizer: try spec.synthesizer.map { try participant($0, as: .synthesizer) },
            critics: try spec.critics.map { try participant($0, as: .critic) }
        )
        try Self.validate(cast: cast, protocolName: spec.protocolName, rounds: spec.rounds, file: spec.file, line: spec.protocolLine)
        return cast
    }

    /// Rebuilds the cast of a recorded session from its header, for `--resume`: personas come
    /// from the snapshots (the library may have changed since), backends from their names.
    public static func bind(header: SessionHeader, file: String, backend: BackendLookup) throws -> Cast {
        var members: [Participant] = []
        var cast = Cast(members: [])
        for snapshot in header.participants {
            var chat: (any ChatBackend)?
            if !snapshot.persona.isHuman, let name = snapshot.backend {
                do {
                    chat = try backend(name)
                } catch let error as PolyphonyError {
                    throw PolyphonyError.invalidInput("participant '\(snapshot.id)': \(error.description)", file: file, line: 1)
                }
            }
            let participant = Participant(
                id: snapshot.id, persona: snapshot.persona, seat: snapshot.seat ?? .member, backend: chat,
                backendName: snapshot.backend, model: snapshot.model, temperature: snapshot.temperature
            )
            switch participant.seat {
            case .member: members.append(participant)
            case .leader: cast.leader = participant
            case .synthesizer: cast.synthesizer = participant
            case .critic: cast.critics.append(participant)
            }
        }
        cast.members = members
        try validate(cast: cast, protocolName: header.protocolName, rounds: header.rounds, file: file)
        return cast
    }

    private static func validate(cast: Cast, protocolName: String, rounds: Int, file: String, line: Int? = nil) throws {
        guard let type = IdeationProtocols.named(protocolName) else {
            throw PolyphonyError.invalidInput("unknown protocol '\(protocolName)' (allowed: \(IdeationProtocols.names.joined(separator: ", ")))", file: file)
        }
        do {
            try type.validate(cast: cast, rounds: rounds)
        } catch let error as PolyphonyError {
            throw PolyphonyError.invalidInput(error.message, file: file, line: line)
        }
    }

    private func resolvePersona(_ seat: SessionSpec.Seat, file: String) throws -> Persona {
        if seat.persona.hasSuffix(".md") || seat.persona.contains("/") {
            let base = (file as NSString).deletingLastPathComponent
            let candidates = [seat.persona, (base as NSString).appendingPathComponent(seat.persona)]
            guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw PolyphonyError.invalidInput("persona file '\(seat.persona)' not found", file: file, line: seat.line)
            }
            return try PersonaLoader().load(file: path)
        }
        if library.duplicateIDs.contains(seat.persona),
           let duplicate = library.problems.first(where: { $0.message.hasPrefix("duplicate id '\(seat.persona)'") }) {
            throw PolyphonyError.invalidInput("persona '\(seat.persona)' is ambiguous: \(duplicate.description)", file: file, line: seat.line)
        }
        guard let persona = library.persona(id: seat.persona) else {
            let known = library.personas.map(\.id).sorted().joined(separator: ", ")
            throw PolyphonyError.invalidInput("persona '\(seat.persona)' not found in \(personaDirectory) (known: \(known))", file: file, line: seat.line)
        }
        return persona
    }
}
