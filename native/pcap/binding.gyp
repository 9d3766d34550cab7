{
  "targets": [
    {
      "target_name": "reprise_pcap",
      "sources": ["reprise_pcap.c", "raw_sender.c"],
      "libraries": ["-lpcap", "-lpthread"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
