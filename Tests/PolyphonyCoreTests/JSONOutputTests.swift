import Foundation
import PolyphonyCore
import Testing

struct JSONOutputTests {
    private struct Sample: Codable, Equatable {
        var meanSpread: Double
        var baseCount: Int
        var metrics: [String: Double]
    }

    @Test func keysAreSnakeCaseAndSortedWhileDictionaryKeysStayAsTheyAre() throws {
        let sample = Sample(meanSpread: 0.5, baseCount: 2, metrics: ["yield_at_0.8": 1, "camelKey": 2])
        let text = String(decoding: try JSONOutput.data(sample), as: UTF8.self)
        #expect(text.contains("\"mean_spread\""))
        #expect(text.contains("\"camelKey\""), "data keys are not renamed")
        #expect(text.contains("\"yield_at_0.8\""))
        #expect(text.range(of: "\"base_count\"")!.lowerBound < text.range(of: "\"mean_spread\"")!.lowerBound)
        #expect(try JSONOutput.makeDecoder().decode(Sample.self, from: Data(text.utf8)) == sample)
    }

    @Test(arguments: [(Float(0.8), 0.8), (0.75, 0.75), (0.1, 0.1), (1, 1), (-0.3, -0.3)])
    func aFloatIsWrittenAsTheDecimalItWasGivenAs(value: Float, expected: Double) throws {
        #expect(Double(shortestDecimal: value) == expected)
        let text = String(decoding: try JSONOutput.data(["threshold": Double(shortestDecimal: value)]), as: UTF8.self)
        #expect(!text.contains("0000"), "\(text)")
    }

    @Test func aNonFiniteFloatStaysNonFinite() {
        #expect(Double(shortestDecimal: .nan).isNaN)
        #expect(Double(shortestDecimal: .infinity) == .infinity)
    }
}

struct JSONOutputKeysTests {
    private struct Manifest: Codable {
        var gridDigest: String
        var schema: String
    }

    @Test func swiftNamedKeysStayAsTheyAreWhilePrettySortedAndUnescapedSlashesRemain() throws {
        let data = try JSONOutput.makeEncoder(keys: .useDefaultKeys).encode(Manifest(gridDigest: "ab", schema: "polyphony.x/1"))
        #expect(String(decoding: data, as: UTF8.self) == "{\n  \"gridDigest\" : \"ab\",\n  \"schema\" : \"polyphony.x/1\"\n}")
    }
}

struct JSONLineEncoderTests {
    @Test func writesOneCompactSortedObjectWithSlashesAsTheyAre() throws {
        let data = try JSONOutput.makeLineEncoder().encode(["b": "x/y", "a": "1"])
        #expect(String(decoding: data, as: UTF8.self) == #"{"a":"1","b":"x/y"}"#)
    }
}
