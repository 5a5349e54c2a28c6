package emulator

import (
	_ "embed"
	"encoding/json"
)

// insights_schema.json holds the definitions of PostHog's
// frontend/src/queries/schema.json that a saved insight's InsightVizNode
// reaches and query_schema.json lacks (InsightVizNode, VizSpecificOptions),
// stripped as query_schema.json is. They join the query schema at start,
// unless query_schema.json has them by then.
//
//go:embed insights_schema.json
var insightsSchemaJSON []byte

func init() {
	var doc struct {
		Definitions map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(insightsSchemaJSON, &doc); err != nil {
		panic("insights_schema.json: " + err.Error())
	}
	for name, def := range doc.Definitions {
		if _, present := querySchema[name]; !present {
			querySchema[name] = def
		}
	}
}
