package lexcheck

import (
	"encoding/xml"
	"io"
)

// junitSuites is the JUnit XML that CI servers (Jenkins, GitLab) read.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Name    string       `xml:"name,attr"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name  string      `xml:"name,attr"`
	Tests int         `xml:"tests,attr"`
	Fails int         `xml:"failures,attr"`
	Cases []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes cases as JUnit XML, one test suite per Suite, in the
// order the cases come. Text is escaped by encoding/xml, so transcripts and
// phrases stay data.
func WriteJUnit(w io.Writer, name string, cases []Case) error {
	out := junitSuites{Name: name}
	index := map[string]int{}
	for _, c := range cases {
		i, ok := index[c.Suite]
		if !ok {
			i = len(out.Suites)
			index[c.Suite] = i
			out.Suites = append(out.Suites, junitSuite{Name: c.Suite})
		}
		s := &out.Suites[i]
		jc := junitCase{Name: c.Name, ClassName: c.Suite}
		if c.Failure != "" {
			jc.Failure = &junitFailure{Message: c.Failure, Text: c.Failure}
			s.Fails++
			out.Fails++
		}
		s.Tests++
		out.Tests++
		s.Cases = append(s.Cases, jc)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
