package msp

// Edge returns the edge case with this name on either side (PSA first);
// ok is false when the data set has none (too few companies).
func (d *Dataset) Edge(name string) (EdgeCase, bool) {
	for _, side := range []string{"psa", "doc"} {
		for _, e := range d.EdgeCases {
			if e.Name == name && e.Side == side {
				return e, true
			}
		}
	}
	return EdgeCase{}, false
}

// Company returns the company with this key, or nil.
func (s *Side) Company(key string) *Company {
	for i := range s.Companies {
		if s.Companies[i].Key == key {
			return &s.Companies[i]
		}
	}
	return nil
}

// Config returns the configuration with this key and its company, or nils.
func (s *Side) Config(key string) (*Company, *Configuration) {
	for i := range s.Companies {
		c := &s.Companies[i]
		for j := range c.Configs {
			if c.Configs[j].Key == key {
				return c, &c.Configs[j]
			}
		}
	}
	return nil, nil
}

// Contact returns the contact with this key and its company, or nils.
func (s *Side) Contact(key string) (*Company, *Contact) {
	for i := range s.Companies {
		c := &s.Companies[i]
		for j := range c.Contacts {
			if c.Contacts[j].Key == key {
				return c, &c.Contacts[j]
			}
		}
	}
	return nil, nil
}

// Counts is the number of records of each kind on one side.
type Counts struct {
	Companies, Sites, Contacts, Configs, Tickets int
}

// Count returns the number of records of each kind.
func (s *Side) Count() Counts {
	var n Counts
	n.Companies = len(s.Companies)
	for _, c := range s.Companies {
		n.Sites += len(c.Sites)
		n.Contacts += len(c.Contacts)
		n.Configs += len(c.Configs)
		n.Tickets += len(c.Tickets)
	}
	return n
}
