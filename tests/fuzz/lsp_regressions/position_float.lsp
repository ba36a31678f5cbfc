Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Content-Length: 164

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/a.rflow", "text": "module a\nfn f() -> int = 1\n"}}}Content-Length: 176

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": "file:///rflow-lsp-fuzz/a.rflow"}, "position": {"line": 1e+300, "character": 0}}}Content-Length: 44

{"jsonrpc":"2.0","id":9,"method":"shutdown"}Content-Length: 33

{"jsonrpc":"2.0","method":"exit"}