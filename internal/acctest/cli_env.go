package acctest

// SetEnv adds environment variables, each "NAME=value", to the commands the
// CLI runs from now on (TF_LOG and TF_LOG_PATH, say). A later value for a
// name overrides an earlier one, including the defaults NewCLI sets.
func (c *CLI) SetEnv(kv ...string) {
	c.env = append(c.env, kv...)
}
