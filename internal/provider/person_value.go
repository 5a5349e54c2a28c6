package provider

import (
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// personValue is a person from PostHog as Terraform values. posthog_persons
// shows every field (personObject); the lifecycle, funnel and correlation
// persons data sources show uuid, distinct_ids, properties, created_at and
// is_identified (actorPerson).
type personValue struct {
	UUID         types.String
	ID           types.Int64
	Name         types.String
	DistinctIDs  types.List
	Properties   types.String // JSON object; "{}" when PostHog sent none
	CreatedAt    types.String // null when PostHog did not say
	LastSeenAt   types.String // null when PostHog did not say
	IsIdentified types.Bool   // null when PostHog did not say
}

// newPersonValue converts a person. It fails only for properties that JSON
// cannot encode.
func newPersonValue(p posthog.Person) (personValue, error) {
	properties := p.Properties
	if properties == nil {
		properties = map[string]any{}
	}
	encoded, err := json.Marshal(properties)
	if err != nil {
		return personValue{}, fmt.Errorf("person %s has properties that cannot be encoded as JSON: %w", p.UUID, err)
	}
	v := personValue{
		UUID:         types.StringValue(p.UUID),
		ID:           types.Int64Value(p.ID),
		Name:         types.StringValue(p.Name),
		DistinctIDs:  stringListValue(p.DistinctIDs),
		Properties:   types.StringValue(string(encoded)),
		CreatedAt:    types.StringNull(),
		LastSeenAt:   types.StringNull(),
		IsIdentified: types.BoolNull(),
	}
	if p.CreatedAt != "" {
		v.CreatedAt = types.StringValue(p.CreatedAt)
	}
	if p.LastSeenAt != "" {
		v.LastSeenAt = types.StringValue(p.LastSeenAt)
	}
	if p.IsIdentified != nil {
		v.IsIdentified = types.BoolValue(*p.IsIdentified)
	}
	return v, nil
}

// personObject converts a person into an entry of posthog_persons' persons
// map (personAttrTypes).
func personObject(p posthog.Person) (attr.Value, error) {
	v, err := newPersonValue(p)
	if err != nil {
		return nil, err
	}
	return types.ObjectValueMust(personAttrTypes, map[string]attr.Value{
		"uuid":         v.UUID,
		"id":           v.ID,
		"name":         v.Name,
		"distinct_ids": v.DistinctIDs,
		"properties":   v.Properties,
		// posthog_persons has always shown an unknown created_at as "".
		"created_at":   types.StringValue(v.CreatedAt.ValueString()),
		"last_seen_at": v.LastSeenAt,
	}), nil
}

// actorPerson converts a person into an entry of an actors data source's
// persons list.
func actorPerson(p posthog.Person) (actorPersonModel, error) {
	v, err := newPersonValue(p)
	if err != nil {
		return actorPersonModel{}, err
	}
	return actorPersonModel{
		UUID:         v.UUID,
		DistinctIDs:  v.DistinctIDs,
		Properties:   v.Properties,
		CreatedAt:    v.CreatedAt,
		IsIdentified: v.IsIdentified,
	}, nil
}
