extension Rubric {
    /// The contents of `rubrics/default.json`; a test keeps the two identical.
    static let defaultJSON = #"""
{
  "name": "default",
  "version": 1,
  "scale": { "min": 1, "max": 10 },
  "instructions": "You are an expert reviewer rating one idea proposed in answer to a brainstorming topic. You are not told who proposed it. Rate it on each dimension on an integer scale from 1 to 10, using the anchors as calibration points, and judge the idea only by its content.",
  "dimensions": [
    {
      "id": "novelty",
      "question": "How original is the idea compared with what people usually propose for this topic?",
      "anchors": {
        "1": "The first answer almost anyone would give; a cliche.",
        "4": "A known approach with a small twist.",
        "7": "An unusual angle most people would not think of, though related ideas exist.",
        "10": "Genuinely surprising; reframes the problem in a way that is new to experts."
      }
    },
    {
      "id": "feasibility",
      "question": "How realistic is it to carry out with reasonable time, money and technology?",
      "anchors": {
        "1": "Impossible or requires resources nobody has.",
        "4": "Possible only with major breakthroughs, funding or political change.",
        "7": "Doable by a committed organisation with known methods.",
        "10": "Could start next week with ordinary means."
      }
    },
    {
      "id": "specificity",
      "question": "How concrete is it: who does what, how, where?",
      "anchors": {
        "1": "A slogan or a vague direction.",
        "4": "Names a general mechanism but no actors or steps.",
        "7": "Clear mechanism, actors and first steps.",
        "10": "Detailed enough to act on directly, with scope and measures of success."
      }
    },
    {
      "id": "impact",
      "question": "If it worked, how much would it improve the situation the topic describes?",
      "anchors": {
        "1": "Negligible effect.",
        "4": "Helps a few people or a small part of the problem.",
        "7": "A substantial improvement for many people.",
        "10": "Transformative; addresses the core of the problem at scale."
      }
    },
    {
      "id": "coherence",
      "question": "Is it internally consistent, clearly stated and on topic?",
      "anchors": {
        "1": "Incoherent, self-contradictory or off topic.",
        "4": "Understandable but muddled or partly off topic.",
        "7": "Clear and consistent with minor gaps.",
        "10": "Crisp, consistent and fully on topic."
      }
    }
  ]
}
"""#
}
