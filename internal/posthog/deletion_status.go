package posthog

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
)

// DeletionStatus is one AsyncDeletion row: it tracks event deletion only
// (docs/dev/posthog-behaviour.md#deletion-status).
type DeletionStatus struct {
	PersonUUID, Status, CreatedAt, DeleteVerifiedAt string // DeleteVerifiedAt "" when null
}

// DeletionStatusOptions filter deletion_status. Status is "", "all",
// "pending" or "completed"; Limit is the page size (0 → 100).
type DeletionStatusOptions struct {
	Status     string
	PersonUUID string
	Limit      int
}

// ListDeletionStatus reads every deletion_status row, following DRF limit/offset
// pagination (docs/dev/posthog-behaviour.md#pagination). It pages with its own
// limit/offset rather than PostHog's absolute next URL, so it never sends the key
// to another host. It stops with an error when the pages do not advance:
// three pages in a row with the same rows (one repeat can be honest: rows
// queued while paging push older rows onto the next page, newest first), or
// more pages than the client's page cap.
func (c *Client) ListDeletionStatus(ctx context.Context, projectID int64, opts DeletionStatusOptions) ([]DeletionStatus, error) {
	switch opts.Status {
	case "", "all", "pending", "completed":
	default:
		return nil, fmt.Errorf("posthog: deletion status filter %q must be all, pending or completed", opts.Status)
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = 100
	}
	path := endpointDeletionStatus.at(projectID, "")
	var out []DeletionStatus
	var prev []DeletionStatus
	repeats := 0
	offset := 0
	for page := 1; page <= c.deletionStatusPageCap; page++ {
		q := url.Values{}
		if opts.Status != "" {
			q.Set("status", opts.Status)
		}
		if opts.PersonUUID != "" {
			q.Set("person_uuid", opts.PersonUUID)
		}
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(offset))
		var w struct {
			Count   *int    `json:"count"`
			Next    *string `json:"next"`
			Results []struct {
				PersonUUID       *string `json:"person_uuid"`
				CreatedAt        *string `json:"created_at"`
				Status           *string `json:"status"`
				DeleteVerifiedAt *string `json:"delete_verified_at"`
			} `json:"results"`
		}
		if _, err := c.do(ctx, endpointDeletionStatus, path, q, nil, &w); err != nil {
			return nil, err
		}
		rows := make([]DeletionStatus, 0, len(w.Results))
		for _, r := range w.Results {
			rows = append(rows, DeletionStatus{
				PersonUUID:       deref(r.PersonUUID),
				Status:           deref(r.Status),
				CreatedAt:        deref(r.CreatedAt),
				DeleteVerifiedAt: deref(r.DeleteVerifiedAt),
			})
		}
		if len(rows) > 0 && slices.Equal(rows, prev) {
			if repeats++; repeats == 2 {
				return nil, fmt.Errorf("GET %s: PostHog's pages do not advance (pages %d to %d hold the same rows); stopping instead of looping",
					path, page-2, page)
			}
		} else {
			repeats = 0
		}
		prev = rows
		out = append(out, rows...)
		offset += len(w.Results)
		if w.Next == nil || *w.Next == "" || len(w.Results) == 0 || (w.Count != nil && offset >= *w.Count) {
			return out, nil
		}
	}
	return nil, fmt.Errorf("GET %s: PostHog's pages do not advance (still linking a next page after %d pages, %d rows); stopping instead of looping",
		path, c.deletionStatusPageCap, len(out))
}
