package emulator

func (s *Server) funnelsActorsQuery(c teamClock, loc string, m jobj) ([]string, *queryError) {
	return nil, qUnsupported("FunnelsActorsQuery (not yet)")
}

func (s *Server) correlationActorsQuery(c teamClock, loc string, m jobj) ([]string, *queryError) {
	return nil, qUnsupported("FunnelCorrelationActorsQuery (not yet)")
}
