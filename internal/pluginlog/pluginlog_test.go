package pluginlog

import (
	"maps"
	"testing"
)

func TestQuietenUnshown(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want map[string]string // the SDK variables afterwards
	}{
		{
			name: "no log asked for: the SDK logs nothing",
			env:  map[string]string{},
			want: map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "OFF", "TF_LOG_SDK_FRAMEWORK": "OFF"},
		},
		{
			name: "TF_LOG=debug: the SDK stops at DEBUG, as Terraform does",
			env:  map[string]string{"TF_LOG": "debug"},
			want: map[string]string{"TF_LOG_SDK": "DEBUG", "TF_LOG_SDK_PROTO": "DEBUG", "TF_LOG_SDK_FRAMEWORK": "DEBUG"},
		},
		{
			name: "TF_LOG_PROVIDER wins over TF_LOG for plugin logs",
			env:  map[string]string{"TF_LOG": "TRACE", "TF_LOG_PROVIDER": "INFO"},
			want: map[string]string{"TF_LOG_SDK": "INFO", "TF_LOG_SDK_PROTO": "INFO", "TF_LOG_SDK_FRAMEWORK": "INFO"},
		},
		{
			name: "TRACE shown: nothing changes",
			env:  map[string]string{"TF_LOG": "TRACE"},
			want: map[string]string{},
		},
		{
			name: "TF_LOG=JSON is TRACE to Terraform: nothing changes",
			env:  map[string]string{"TF_LOG": "JSON"},
			want: map[string]string{},
		},
		{
			name: "an unknown level is TRACE to Terraform: nothing changes",
			env:  map[string]string{"TF_LOG": "verbose"},
			want: map[string]string{},
		},
		{
			name: "a level the user set is kept",
			env:  map[string]string{"TF_LOG_SDK_FRAMEWORK": "TRACE"},
			want: map[string]string{"TF_LOG_SDK": "OFF", "TF_LOG_SDK_PROTO": "OFF", "TF_LOG_SDK_FRAMEWORK": "TRACE"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := maps.Clone(c.env)
			lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
			set := func(k, v string) error { env[k] = v; return nil }
			if err := QuietenUnshown(lookup, set); err != nil {
				t.Fatal(err)
			}
			for _, name := range sdkLevelVariables {
				if env[name] != c.want[name] {
					t.Errorf("%s = %q, want %q", name, env[name], c.want[name])
				}
			}
		})
	}
}
