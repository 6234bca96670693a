package hotspots

// VenuePlace returns the venue's organisation, district and venue type
// (English) from the in-memory snapshot, for figures kept on every
// accounting commit; ok is false for a venue the registry lacks.
func (r *Registry) VenuePlace(key VenueKey) (org, district, venueType string, ok bool) {
	s, err := r.venues()
	if err != nil {
		return "", "", "", false
	}
	i, ok := s.byKey[key]
	if !ok {
		return "", "", "", false
	}
	v := &s.list[i]
	return v.Org, v.District, v.TypeEN, true
}
