// Package pluginlog keeps the provider from writing log lines Terraform
// throws away.
//
// The plugin SDK's loggers (terraform-plugin-go and the framework) log at
// TRACE unless their own environment variables say otherwise, whatever
// Terraform shows: with TF_LOG unset, every request still formats its trace
// lines as JSON, writes them to the plugin's stderr, and Terraform drops
// them. Profiled on a no-change plan of 500 deletions, that was a third of
// the provider's CPU time (see BENCHMARKS.md, "Provider CPU per instance").
package pluginlog

import "strings"

// sdkLevelVariables are the SDK loggers' levels; each falls back to TRACE,
// not to the root SDK logger's level, when unset.
var sdkLevelVariables = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}

// levels are the names Terraform takes as a log level; anything else set in
// TF_LOG means TRACE to it.
var levels = map[string]bool{"TRACE": true, "DEBUG": true, "INFO": true, "WARN": true, "ERROR": true, "OFF": true}

// shownLevel is the level at which Terraform keeps its plugins' log lines:
// TF_LOG_PROVIDER, else TF_LOG; unset means none (OFF), and a value that is
// not a level name means TRACE. ok is false when nothing would be saved by
// quietening (TRACE).
func shownLevel(lookup func(string) (string, bool)) (level string, ok bool) {
	value, _ := lookup("TF_LOG_PROVIDER")
	if strings.TrimSpace(value) == "" {
		value, _ = lookup("TF_LOG")
	}
	value = strings.ToUpper(strings.TrimSpace(value))
	switch {
	case value == "":
		return "OFF", true
	case levels[value] && value != "TRACE":
		return value, true
	default:
		return "", false
	}
}

// QuietenUnshown sets each SDK level variable the user left unset to the
// level Terraform shows plugin logs at, so that the SDK stops formatting the
// lines Terraform would drop. A variable the user set is left as it is.
func QuietenUnshown(lookup func(string) (string, bool), set func(key, value string) error) error {
	level, ok := shownLevel(lookup)
	if !ok {
		return nil
	}
	for _, name := range sdkLevelVariables {
		if value, isSet := lookup(name); isSet && strings.TrimSpace(value) != "" {
			continue
		}
		if err := set(name, level); err != nil {
			return err
		}
	}
	return nil
}
