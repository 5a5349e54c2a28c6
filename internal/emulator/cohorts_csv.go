package emulator

// Parsing of the CSV file a static cohort can be created or extended with.

import (
	"encoding/csv"
	"strings"
)

// csv error messages: CSVConfig.ErrorMessages in posthog/api/cohort.py.
const (
	csvEmpty      = "CSV file is empty. Please upload a CSV file with at least one row of data."
	csvNoValidIDs = "CSV file contains no valid person IDs, distinct IDs, or email addresses. Please ensure your file has data rows with person IDs, distinct IDs, or email addresses."
	csvFormat     = "CSV file format is invalid. Please check your file format and try again."
	csvMissingCol = "Multi-column CSV must contain at least one column with a supported ID header: 'person_id', 'Person .id' (PostHog export format), 'distinct_id', 'distinct-id', or 'email'. Found columns: "
)

// csvIDs are the person references of an uploaded cohort CSV: all of one type,
// "person_id", "distinct_id" or "email".
type csvIDs struct {
	idType string
	ids    []string
}

// parseCohortCSV implements the parsing half of _calculate_static_by_csv: a single
// column is distinct ids unless headed person_id/email; multi-column files pick the id
// column by header (person_id > distinct_id > email). store.resolveCSVIDs does the rest.
func parseCohortCSV(raw []byte) (csvIDs, *fieldErr) {
	rd := csv.NewReader(strings.NewReader(string(raw)))
	rd.FieldsPerRecord = -1
	rows, err := rd.ReadAll()
	if err != nil {
		return csvIDs{}, &fieldErr{"csv", "invalid_input", csvFormat}
	}
	for len(rows) > 0 && (len(rows[0]) == 0 || (len(rows[0]) == 1 && rows[0][0] == "")) {
		rows = rows[1:]
	}
	if len(rows) == 0 {
		return csvIDs{}, &fieldErr{"csv", "invalid_input", csvEmpty}
	}
	first := rows[0]
	nonEmpty := []string{}
	for _, c := range first {
		if strings.TrimSpace(c) != "" {
			nonEmpty = append(nonEmpty, strings.TrimSpace(c))
		}
	}
	isIn := func(h string, set ...string) bool {
		for _, x := range set {
			if strings.EqualFold(strings.TrimSpace(h), x) {
				return true
			}
		}
		return false
	}
	personHdr := []string{"person_id", "person-id", "Person .id"}
	distinctHdr := []string{"distinct_id", "distinct-id"}
	emailHdr := []string{"email", "e-mail"}
	col, idType, body := 0, "distinct_id", rows
	if len(nonEmpty) <= 1 {
		switch {
		case isIn(first[0], personHdr...):
			idType, body = "person_id", rows[1:]
		case isIn(first[0], emailHdr...):
			idType, body = "email", rows[1:]
		}
	} else {
		col = -1
		for _, try := range []struct {
			typ string
			hdr []string
		}{{"person_id", personHdr}, {"distinct_id", distinctHdr}, {"email", emailHdr}} {
			for i, h := range first {
				if isIn(h, try.hdr...) {
					col, idType = i, try.typ
					break
				}
			}
			if col >= 0 {
				break
			}
		}
		if col < 0 {
			cols := "none"
			if len(nonEmpty) > 0 {
				cols = strings.Join(nonEmpty, ", ")
			}
			return csvIDs{}, &fieldErr{"csv", "invalid_input", csvMissingCol + cols}
		}
		body = rows[1:]
	}
	var ids []string
	for _, row := range body {
		if len(row) > col {
			if v := strings.TrimSpace(row[col]); v != "" {
				ids = append(ids, v)
			}
		}
	}
	if len(ids) == 0 {
		return csvIDs{}, &fieldErr{"csv", "invalid_input", csvNoValidIDs}
	}
	return csvIDs{idType: idType, ids: ids}, nil
}
