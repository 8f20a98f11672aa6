import Foundation
import PolyphonyCore
import Synchronization

/// What ``FakeLLMServer`` answers, apart from carrying the bytes: routing, the dialects' wire
/// formats, faults and the record of requests. A server (threaded, or an event loop that adds
/// the latency itself) hands it each request with a writer.
package final class FakeLLMService: Sendable {
    private struct State {
        var faults: [FakeLLMFault] = []
        var recorded: [FakeLLMRecordedRequest] = []
        var random: SplitMix64
    }

    /// Latency, streaming shape, embedding size, key checks and random faults.
    package let options: FakeLLMServer.Options
    private let responder: FakeLLMServer.Responder
    private let keepsRecord: Bool
    private let state: Mutex<State>

    /// - Parameters:
    ///   - options: How every request is answered.
    ///   - responder: Produces answer texts.
    ///   - keepsRecord: Keep every request for ``recordedRequests``; a long-running server
    ///     process that nobody asks turns it off, so its memory does not grow with each request.
    package init(options: FakeLLMServer.Options, responder: @escaping FakeLLMServer.Responder = FakeLLMServer.numberedIdeas, keepsRecord: Bool = true) {
        self.options = options
        self.responder = responder
        self.keepsRecord = keepsRecord
        self.state = Mutex(State(random: SplitMix64(seed: options.randomFaultSeed)))
    }

    /// Every request received, oldest first.
    package var recordedRequests: [FakeLLMRecordedRequest] { state.withLock { $0.recorded } }

    /// Queues `fault` for the next `times` chat or embedding requests, after faults already queued.
    package func inject(_ fault: FakeLLMFault, times: Int = 1) {
        state.withLock { $0.faults.append(contentsOf: Array(repeating: fault, count: max(0, times))) }
    }

    /// Forgets the requests recorded so far.
    package func forgetRecordedRequests() {
        state.withLock { $0.recorded.removeAll() }
    }

    /// Answers one request on `writer`, after the latency in ``options``; called on a server
    /// thread (or an event loop, with zero latency), so it may block.
    package func handle(_ request: LoopbackRequest, _ writer: LoopbackResponseWriter) {
        guard let route = FakeLLMRoute(request) else {
            writer.send(status: 404, headers: [("Content-Type", "application/json")], text: #"{"error":"no such route: \#(request.method) \#(request.path)"}"#)
            return
        }
        let fault = nextFault()
        let decoded = FakeLLMDialectCodec.decode(route, request)
        if keepsRecord {
            state.withLock {
                $0.recorded.append(FakeLLMRecordedRequest(
                    http: request, prompt: decoded.prompt, embeddingInputs: decoded.embeddingInputs, fault: fault
                ))
            }
        }
        sleep(options.latency)
        if case .slowFirstByte(let delay) = fault { sleep(delay) }
        let codec = FakeLLMDialectCodec(route: route, options: options)
        if let required = options.requiredAPIKey, codec.presentedKey(request) != required {
            codec.sendError(writer, status: 401, kind: .auth, message: "invalid API key")
            return
        }
        if let problem = decoded.problem {
            codec.sendError(writer, status: 400, kind: .invalidRequest, message: problem)
            return
        }
        if let fault, codec.sendFaultStatus(fault, writer) { return }
        if let prompt = decoded.prompt {
            let answer = responder(prompt)
            if prompt.stream {
                codec.stream(answer: answer, prompt: prompt, fault: fault, writer: writer) { self.sleep(self.options.streamChunkDelay) }
            } else {
                codec.sendWhole(answer: answer, prompt: prompt, fault: fault, writer: writer)
            }
        } else {
            let vectors = decoded.embeddingInputs.map { FakeLLMServer.embedding(for: $0, dimensions: options.embeddingDimensions) }
            codec.sendEmbeddings(vectors, model: decoded.embeddingModel, fault: fault, writer: writer)
        }
    }

    private func nextFault() -> FakeLLMFault? {
        state.withLock { state in
            if !state.faults.isEmpty { return state.faults.removeFirst() }
            guard options.randomFaultRate > 0, state.random.nextUnit() < options.randomFaultRate else { return nil }
            let choices: [FakeLLMFault] = [.rateLimited(retryAfter: "0"), .serverError, .overloaded, .dropStreamHalfway, .malformedJSON]
            return choices[Int(state.random.next() % UInt64(choices.count))]
        }
    }

    private func sleep(_ duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) * 1e-18)
    }
}
