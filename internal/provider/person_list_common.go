package provider

import (
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// What posthog_cohort_persons and posthog_persons_by_property share: the
// limit, the persons list and the sorted person_uuids that feed
// posthog_person_deletion.

const (
	defaultPersonListLimit = 1000
	maxPersonListLimit     = 10000
	// personListPageSize is how many persons one request asks for: PostHog
	// sets no maximum on these listings, and fewer pages spend less of the
	// rate limit (docs/dev/posthog-behaviour.md#rate-limits).
	personListPageSize = 500
)

func personListLimitAttribute(what string) schema.Int64Attribute {
	return schema.Int64Attribute{
		MarkdownDescription: fmt.Sprintf("The most persons to read, from 1 to %d. Defaults to %d. %s Terraform slows down "+
			"and uses a lot of memory with very long computed lists, so keep this as small as the use allows.",
			maxPersonListLimit, defaultPersonListLimit, what),
		Optional:   true,
		Validators: []validator.Int64{int64validator.Between(1, maxPersonListLimit)},
	}
}

// personListLimit is the configured limit, or the default.
func personListLimit(v types.Int64) int {
	if v.IsNull() || v.IsUnknown() {
		return defaultPersonListLimit
	}
	return int(v.ValueInt64())
}

func personListPersonsAttribute(distinctIDs string) schema.ListNestedAttribute {
	return schema.ListNestedAttribute{
		MarkdownDescription: "The persons found, in PostHog's order.",
		Computed:            true,
		NestedObject: schema.NestedAttributeObject{
			Attributes: map[string]schema.Attribute{
				"uuid": schema.StringAttribute{MarkdownDescription: "The person's UUID, which `posthog_person_deletion` accepts in `uuids`.", Computed: true},
				"distinct_ids": schema.ListAttribute{
					MarkdownDescription: "The person's distinct ids, identified ids first. " + distinctIDs,
					ElementType:         types.StringType,
					Computed:            true,
				},
				"properties": schema.StringAttribute{
					MarkdownDescription: "The person's properties as a JSON object string; read it with `jsondecode()`. " +
						"Marked sensitive: it holds personal data.",
					Computed:  true,
					Sensitive: true,
				},
				"created_at": schema.StringAttribute{
					MarkdownDescription: "When PostHog created the person (ISO 8601), or null when PostHog did not say.",
					Computed:            true,
				},
				"is_identified": schema.BoolAttribute{
					MarkdownDescription: "Whether the person is identified, or null when PostHog did not say.",
					Computed:            true,
				},
			},
		},
	}
}

func personUUIDsAttribute() schema.ListAttribute {
	return schema.ListAttribute{
		MarkdownDescription: "The UUIDs of `persons`, each once, sorted: the form `posthog_person_deletion`'s `uuids` takes. " +
			"Sorted so that the list changes only when the persons do.",
		ElementType: types.StringType,
		Computed:    true,
	}
}

// personListValues converts persons into the persons list and the sorted
// person_uuids.
func personListValues(persons []posthog.Person) ([]actorPersonModel, types.List, error) {
	models := make([]actorPersonModel, 0, len(persons))
	seen := map[string]bool{}
	uuids := []string{}
	for _, p := range persons {
		m, err := actorPerson(p)
		if err != nil {
			return nil, types.ListNull(types.StringType), err
		}
		models = append(models, m)
		if !seen[p.UUID] {
			seen[p.UUID] = true
			uuids = append(uuids, p.UUID)
		}
	}
	sort.Strings(uuids)
	return models, stringListValue(uuids), nil
}
