package posthog

import (
	"encoding/json"
	"testing"
)

// FuzzInsightQuery feeds arbitrary stored queries to the parser of insight
// answers: it never panics, and what it accepts is a JSON object of the
// kind it reports, within the size bound.
func FuzzInsightQuery(f *testing.F) {
	for _, seed := range []string{
		`{"kind": "InsightVizNode", "source": ` + storedFunnel + `}`,
		`{"kind": "LifecycleQuery", "series": [], "interval": "week", "aggregation_group_type_index": 0}`,
		`{"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": []}}`,
		`{"kind": "InsightVizNode", "source": "FunnelsQuery"}`,
		`{"kind": "FunnelsQuery", "series": 3}`,
		`{"kind": "FunnelsQuery", "breakdownFilter": {"breakdowns": [{"property": "a"}, {"property": "b"}]}, "series": []}`,
		`{"kind": "../x"}`, `null`, `[]`, `"InsightVizNode"`, `{}`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var ins SavedInsight
		if err := ins.readQuery(raw); err != nil {
			return
		}
		if len(ins.Source) > maxInsightQueryBytes || !kindRE.MatchString(ins.Kind) {
			t.Fatalf("accepted a source of %d bytes with kind %q", len(ins.Source), ins.Kind)
		}
		var node map[string]any
		if err := json.Unmarshal(ins.Source, &node); err != nil {
			t.Fatalf("accepted a source that is not an object: %s", ins.Source)
		}
		if node["kind"] != ins.Kind {
			t.Fatalf("reported kind %q for a source of kind %v", ins.Kind, node["kind"])
		}
		if ins.Steps < 0 || ins.Breakdowns < 0 {
			t.Fatalf("negative counts: %+v", ins)
		}
	})
}
