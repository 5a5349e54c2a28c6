package provider

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/deletion"
)

// canonicalUUID is the 36-character form PostHog prints; see
// deletion.CanonicalUUID.
var canonicalUUID = deletion.CanonicalUUID

// distinctIDValidator rejects blank distinct ids and warns about surrounding
// whitespace, which is legal in PostHog but almost always a copy mistake.
type distinctIDValidator struct{}

func (distinctIDValidator) Description(context.Context) string {
	return "must not be empty or blank"
}

func (v distinctIDValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (distinctIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	id := req.ConfigValue.ValueString()
	switch {
	case strings.TrimSpace(id) == "":
		resp.Diagnostics.AddAttributeError(req.Path, "Empty distinct id",
			"Every entry of distinct_ids must be a non-empty distinct id; remove the empty entry.")
	case strings.TrimSpace(id) != id:
		resp.Diagnostics.AddAttributeWarning(req.Path, "Distinct id with surrounding whitespace",
			fmt.Sprintf("The distinct id %q starts or ends with whitespace. PostHog matches distinct ids exactly, "+
				"so this only matches a person whose distinct id has the same whitespace.", id))
	}
}

// personUUIDValidator requires the canonical UUID form.
type personUUIDValidator struct{}

func (personUUIDValidator) Description(context.Context) string {
	return "must be a person UUID in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
}

func (v personUUIDValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (personUUIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if id := req.ConfigValue.ValueString(); !canonicalUUID.MatchString(id) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid person UUID",
			fmt.Sprintf("%q is not a person UUID. Use the 36-character form shown in PostHog, such as "+
				"\"0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b\", or list the person under distinct_ids instead.", id))
	}
}

// uniqueIDsValidator rejects a list that names the same id twice; with
// foldCase it compares UUIDs case-insensitively, as PostHog does.
type uniqueIDsValidator struct {
	foldCase bool
}

func (uniqueIDsValidator) Description(context.Context) string { return "must not contain duplicates" }

func (v uniqueIDsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v uniqueIDsValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := make(map[string]int)
	for i, element := range req.ConfigValue.Elements() {
		value, ok := element.(types.String)
		if !ok || value.IsUnknown() || value.IsNull() {
			continue
		}
		id := value.ValueString()
		key := id
		if v.foldCase {
			key = strings.ToLower(id)
		}
		if first, dup := seen[key]; dup {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Duplicate id",
				fmt.Sprintf("%q is listed twice (entries %d and %d); remove one of them.", id, first, i))
			continue
		}
		seen[key] = i
	}
}

// projectIDValidator requires a positive numeric project id.
type projectIDValidator struct{}

func (projectIDValidator) Description(context.Context) string {
	return "must be the positive numeric id of a PostHog project"
}

func (v projectIDValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (projectIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseProjectID(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid project id", err.Error()+".")
	}
}

// maxReasonLength bounds reason: a reference, not a document.
const maxReasonLength = 1000

// reasonValidator requires a non-blank single line: policies and audit
// reports print the reason, and a multi-line one would break their output.
type reasonValidator struct{}

func (reasonValidator) Description(context.Context) string {
	return fmt.Sprintf("must be one non-blank line of at most %d characters", maxReasonLength)
}

func (v reasonValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (reasonValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	reason := req.ConfigValue.ValueString()
	switch {
	case strings.TrimSpace(reason) == "":
		resp.Diagnostics.AddAttributeError(req.Path, "Empty reason",
			"reason must name why these persons are deleted (a ticket or request reference such as \"GDPR-2041\"); "+
				"set it or remove the attribute.")
	case strings.ContainsAny(reason, "\r\n"):
		resp.Diagnostics.AddAttributeError(req.Path, "Reason spans several lines",
			"reason must be a single line (a ticket or request reference); keep longer explanations in the ticket it names.")
	case utf8.RuneCountInString(reason) > maxReasonLength:
		resp.Diagnostics.AddAttributeError(req.Path, "Reason too long",
			fmt.Sprintf("reason has %d characters; keep it to at most %d (a ticket or request reference) and keep longer "+
				"explanations in the ticket it names.", utf8.RuneCountInString(reason), maxReasonLength))
	}
}
