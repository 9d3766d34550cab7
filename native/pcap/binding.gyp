{
  "targets": [
    {
      "target_name": "reprise_pcap",
      "sources": ["reprise_pcap.c"],
      "libraries": ["-lpcap"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
