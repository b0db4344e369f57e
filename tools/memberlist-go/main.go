// Command memberlist-go runs memberlist nodes on loopback for Grapevine's interoperability
// tests, and exposes memberlist's LZW framing for golden tests.
//
//	memberlist-go run -n 3 -preset local [-key BASE64] [-meta TEXT]
//	    starts N nodes on 127.0.0.1 (port 0: the kernel picks), reports each node's address,
//	    member events and user messages as JSON lines on stdout, and reads commands as JSON
//	    lines on stdin: {"cmd":"join","node":0,"addrs":["127.0.0.1:7946"]}, {"cmd":"members",
//	    "node":0}, {"cmd":"meta","node":0,"meta":"..."}, {"cmd":"broadcast","node":0,
//	    "payload":"..."}, {"cmd":"leave","node":0}, {"cmd":"kill","node":0}, {"cmd":"exit"}.
//	memberlist-go lzw      reads hex lines, prints memberlist's compress message (hex) for each.
//	memberlist-go unlzw    reads hex compress messages, prints the decompressed bytes (hex).
//	memberlist-go golden   prints sample messages as memberlist encodes them (JSON: name → hex).
package main

import (
	"bufio"
	"bytes"
	"compress/lzw"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"math/rand"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-msgpack/codec"
	"github.com/hashicorp/memberlist"
)

var (
	outMu sync.Mutex
	out   = json.NewEncoder(os.Stdout)
)

// emit prints one event as a JSON line; t is wall-clock Unix time in ms, so that tests can
// compare it with other processes' clocks on the same machine.
func emit(v map[string]interface{}) {
	v["t"] = time.Now().UnixNano() / int64(time.Millisecond)
	outMu.Lock()
	defer outMu.Unlock()
	_ = out.Encode(v)
}

type broadcast []byte

func (b broadcast) Invalidates(memberlist.Broadcast) bool { return false }
func (b broadcast) Message() []byte                       { return b }
func (b broadcast) Finished()                             {}

// node is one memberlist instance with its delegates.
type node struct {
	index  int
	list   *memberlist.Memberlist
	queue  *memberlist.TransmitLimitedQueue
	metaMu sync.Mutex
	meta   []byte
}

func (n *node) NodeMeta(limit int) []byte {
	n.metaMu.Lock()
	defer n.metaMu.Unlock()
	return n.meta
}
func (n *node) NotifyMsg(b []byte) {
	emit(map[string]interface{}{"event": "user", "node": n.index, "payload": string(b)})
}
func (n *node) GetBroadcasts(overhead, limit int) [][]byte {
	return n.queue.GetBroadcasts(overhead, limit)
}
func (n *node) LocalState(join bool) []byte            { return nil }
func (n *node) MergeRemoteState(buf []byte, join bool) {}

func (n *node) member(ev string, m *memberlist.Node) {
	emit(map[string]interface{}{
		"event": ev, "node": n.index, "member": m.Name, "addr": m.Address(),
		"meta": string(m.Meta), "state": stateName(m.State),
	})
}
func (n *node) NotifyJoin(m *memberlist.Node)   { n.member("join", m) }
func (n *node) NotifyLeave(m *memberlist.Node)  { n.member("leave", m) }
func (n *node) NotifyUpdate(m *memberlist.Node) { n.member("update", m) }

func stateName(s memberlist.NodeStateType) string {
	switch s {
	case memberlist.StateAlive:
		return "alive"
	case memberlist.StateSuspect:
		return "suspect"
	case memberlist.StateDead:
		return "dead"
	default:
		return "left"
	}
}

func config(preset string) *memberlist.Config {
	switch preset {
	case "wan":
		return memberlist.DefaultWANConfig()
	case "local":
		return memberlist.DefaultLocalConfig()
	default:
		return memberlist.DefaultLANConfig()
	}
}

type command struct {
	Cmd     string   `json:"cmd"`
	Node    int      `json:"node"`
	Addrs   []string `json:"addrs"`
	Meta    string   `json:"meta"`
	Payload string   `json:"payload"`
}

func run(args []string) {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	count := fs.Int("n", 1, "number of nodes")
	preset := fs.String("preset", "local", "lan, wan or local")
	key := fs.String("key", "", "base64 AES key (16, 24 or 32 bytes): encryption on")
	meta := fs.String("meta", "", "node meta; %d is replaced by the node index")
	prefix := fs.String("name", "go", "node name prefix")
	verbose := fs.Bool("v", false, "memberlist's log on stderr")
	_ = fs.Parse(args)

	var secret []byte
	if *key != "" {
		var err error
		if secret, err = base64.StdEncoding.DecodeString(*key); err != nil {
			log.Fatalf("bad key: %v", err)
		}
	}
	nodes := make([]*node, *count)
	for i := range nodes {
		n := &node{index: i}
		if *meta != "" {
			n.meta = []byte(strings.ReplaceAll(*meta, "%d", fmt.Sprint(i)))
		}
		c := config(*preset)
		c.Name = fmt.Sprintf("%s-%d", *prefix, i)
		c.BindAddr = "127.0.0.1"
		c.BindPort = 0
		c.Delegate = n
		c.Events = n
		c.SecretKey = secret
		if !*verbose {
			c.LogOutput = ioutil.Discard
		}
		list, err := memberlist.Create(c)
		if err != nil {
			log.Fatalf("node %d: %v", i, err)
		}
		n.list = list
		n.queue = &memberlist.TransmitLimitedQueue{NumNodes: list.NumMembers, RetransmitMult: c.RetransmitMult}
		nodes[i] = n
		self := list.LocalNode()
		emit(map[string]interface{}{"event": "ready", "node": i, "name": self.Name, "addr": self.Address()})
	}

	scanner := bufio.NewScanner(os.Stdin)
	for scanner.Scan() {
		var c command
		if err := json.Unmarshal(scanner.Bytes(), &c); err != nil {
			emit(map[string]interface{}{"event": "error", "error": err.Error()})
			continue
		}
		if c.Cmd == "exit" {
			break
		}
		if c.Node < 0 || c.Node >= len(nodes) {
			emit(map[string]interface{}{"event": "error", "error": "no such node"})
			continue
		}
		n := nodes[c.Node]
		switch c.Cmd {
		case "join":
			joined, err := n.list.Join(c.Addrs)
			reply := map[string]interface{}{"event": "joined", "node": c.Node, "count": joined}
			if err != nil {
				reply["error"] = err.Error()
			}
			emit(reply)
		case "members":
			members := []map[string]interface{}{}
			for _, m := range n.list.Members() {
				members = append(members, map[string]interface{}{
					"name": m.Name, "addr": m.Address(), "meta": string(m.Meta), "state": stateName(m.State),
				})
			}
			emit(map[string]interface{}{"event": "members", "node": c.Node, "members": members})
		case "meta":
			n.metaMu.Lock()
			n.meta = []byte(c.Meta)
			n.metaMu.Unlock()
			err := n.list.UpdateNode(5 * time.Second)
			reply := map[string]interface{}{"event": "meta-updated", "node": c.Node}
			if err != nil {
				reply["error"] = err.Error()
			}
			emit(reply)
		case "broadcast":
			n.queue.QueueBroadcast(broadcast([]byte(c.Payload)))
			emit(map[string]interface{}{"event": "queued", "node": c.Node})
		case "leave":
			err := n.list.Leave(5 * time.Second)
			_ = n.list.Shutdown()
			reply := map[string]interface{}{"event": "left", "node": c.Node}
			if err != nil {
				reply["error"] = err.Error()
			}
			emit(reply)
		case "kill":
			_ = n.list.Shutdown()
			emit(map[string]interface{}{"event": "killed", "node": c.Node})
		default:
			emit(map[string]interface{}{"event": "error", "error": "unknown command " + c.Cmd})
		}
	}
	for _, n := range nodes {
		_ = n.list.Shutdown()
	}
}

// compress mirrors memberlist's compressPayload (util.go), which the package does not export.
func compress(in []byte) []byte {
	var buf bytes.Buffer
	w := lzw.NewWriter(&buf, lzw.LSB, 8)
	_, _ = w.Write(in)
	_ = w.Close()
	var msg bytes.Buffer
	msg.WriteByte(9)
	enc := codec.NewEncoder(&msg, &codec.MsgpackHandle{})
	_ = enc.Encode(&struct {
		Algo uint8
		Buf  []byte
	}{0, buf.Bytes()})
	return msg.Bytes()
}

func decompress(in []byte) ([]byte, error) {
	var c struct {
		Algo uint8
		Buf  []byte
	}
	if len(in) == 0 || in[0] != 9 {
		return nil, fmt.Errorf("not a compress message")
	}
	if err := codec.NewDecoder(bytes.NewReader(in[1:]), &codec.MsgpackHandle{}).Decode(&c); err != nil {
		return nil, err
	}
	r := lzw.NewReader(bytes.NewReader(c.Buf), lzw.LSB, 8)
	defer r.Close()
	return io.ReadAll(r)
}

func hexLines(f func([]byte) ([]byte, error)) {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<26)
	for scanner.Scan() {
		in, err := hex.DecodeString(strings.TrimSpace(scanner.Text()))
		if err == nil {
			var res []byte
			if res, err = f(in); err == nil {
				fmt.Println(hex.EncodeToString(res))
				continue
			}
		}
		fmt.Println("error: " + err.Error())
	}
}

// The message structs of memberlist's net.go (unexported there), field for field, so that the
// golden samples are encoded by the same codec handle with the same field names and tags.
type ping struct {
	SeqNo      uint32
	Node       string
	SourceAddr []byte `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}
type indirectPingReq struct {
	SeqNo      uint32
	Target     []byte
	Port       uint16
	Node       string
	Nack       bool
	SourceAddr []byte `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}
type ackResp struct {
	SeqNo   uint32
	Payload []byte
}
type nackResp struct{ SeqNo uint32 }
type errResp struct{ Error string }
type suspect struct {
	Incarnation uint32
	Node        string
	From        string
}
type alive struct {
	Incarnation uint32
	Node        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Vsn         []uint8
}
type pushPullHeader struct {
	Nodes        int
	UserStateLen int
	Join         bool
}
type pushNodeState struct {
	Name        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Incarnation uint32
	State       memberlist.NodeStateType
	Vsn         []uint8
}

func golden() {
	enc := func(t byte, v interface{}) string {
		var b bytes.Buffer
		b.WriteByte(t)
		_ = codec.NewEncoder(&b, &codec.MsgpackHandle{}).Encode(v)
		return hex.EncodeToString(b.Bytes())
	}
	long := strings.Repeat("n", 40)
	samples := map[string]string{
		"ping":             enc(0, &ping{SeqNo: 7, Node: "go-1"}),
		"ping-source":      enc(0, &ping{SeqNo: 70000, Node: "go-1", SourceAddr: []byte{127, 0, 0, 1}, SourcePort: 7946, SourceNode: "gv-0"}),
		"indirect-ping":    enc(1, &indirectPingReq{SeqNo: 300, Target: []byte{127, 0, 0, 1}, Port: 7947, Node: "go-2", Nack: true, SourceAddr: []byte{127, 0, 0, 1}, SourcePort: 7946, SourceNode: "gv-0"}),
		"ack":              enc(2, &ackResp{SeqNo: 7}),
		"ack-payload":      enc(2, &ackResp{SeqNo: 4294967295, Payload: []byte("pong")}),
		"suspect":          enc(3, &suspect{Incarnation: 3, Node: "go-1", From: "go-0"}),
		"alive":            enc(4, &alive{Incarnation: 1, Node: "go-0", Addr: []byte{127, 0, 0, 1}, Port: 7946, Meta: []byte("role=web"), Vsn: []uint8{1, 5, 2, 0, 0, 0}}),
		"alive-long-name":  enc(4, &alive{Incarnation: 256, Node: long, Addr: []byte{127, 0, 0, 1}, Port: 65535, Vsn: []uint8{1, 5, 2, 0, 0, 0}}),
		"dead":             enc(5, &suspect{Incarnation: 9, Node: "go-1", From: "go-1"}),
		"nack":             enc(11, &nackResp{SeqNo: 12}),
		"error":            enc(13, &errResp{Error: "boom"}),
		"push-pull-header": enc(6, &pushPullHeader{Nodes: 2, UserStateLen: 3, Join: true}),
		"push-node-state":  enc(0xff, &pushNodeState{Name: "go-0", Addr: []byte{127, 0, 0, 1}, Port: 7946, Meta: []byte("m"), Incarnation: 2, State: memberlist.StateLeft, Vsn: []uint8{1, 5, 2, 0, 0, 0}}),
	}
	_ = json.NewEncoder(os.Stdout).Encode(samples)
}

func main() {
	// Before Go 1.20 the global source starts from the same seed in every process: memberlist's
	// probe staggers, shuffles and random picks would repeat run after run.
	rand.Seed(time.Now().UnixNano())
	if len(os.Args) < 2 {
		log.Fatal("usage: memberlist-go run|lzw|unlzw ...")
	}
	switch os.Args[1] {
	case "run":
		run(os.Args[2:])
	case "lzw":
		hexLines(func(b []byte) ([]byte, error) { return compress(b), nil })
	case "unlzw":
		hexLines(decompress)
	case "golden":
		golden()
	default:
		log.Fatalf("unknown mode %q", os.Args[1])
	}
}
