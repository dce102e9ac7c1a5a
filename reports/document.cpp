// Names of the document model's enumerations, as the JSON record spells them.
#include "reports/document.h"

namespace lineage::reports {

std::string_view outcome_name(Outcome o) {
    switch (o) {
        case Outcome::pass:
            return "pass";
        case Outcome::fail:
            return "fail";
        case Outcome::inconclusive:
            return "inconclusive";
    }
    return "inconclusive";
}

std::string_view relation_name(Relation r) {
    switch (r) {
        case Relation::derived:
            return "derived";
        case Relation::independent:
            return "independent";
        case Relation::inconclusive:
            return "inconclusive";
    }
    return "inconclusive";
}

Tone outcome_tone(Outcome o) {
    return o == Outcome::pass ? Tone::good : o == Outcome::fail ? Tone::bad : Tone::warn;
}

Tone relation_tone(Relation r) {
    return r == Relation::independent ? Tone::good
           : r == Relation::derived   ? Tone::bad
                                      : Tone::warn;
}

std::string_view tone_name(Tone t) {
    switch (t) {
        case Tone::neutral:
            return "neutral";
        case Tone::good:
            return "good";
        case Tone::bad:
            return "bad";
        case Tone::warn:
            return "warn";
        case Tone::muted:
            return "muted";
    }
    return "neutral";
}

}  // namespace lineage::reports
