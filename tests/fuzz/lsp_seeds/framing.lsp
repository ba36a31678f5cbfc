Content-Length: 75

{"jsonrpc": "2.0", "id": "s", "method": "textDocument/hover", "params": {}}Content-Length: 80

{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"rootUri": null}}content-length: 154
Content-Type: application/vscode-jsonrpc; charset=utf-8

{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "untitled:1", "text": "module m\nfn f(a: int) -> int = a + 1\n"}}}Content-Length: 5

{bad}X: y

Content-Length: 159

{"jsonrpc": "2.0", "id": 2, "method": "textDocument/signatureHelp", "params": {"textDocument": {"uri": "untitled:1"}, "position": {"line": 1, "character": 5}}}Content-Length: 43

{"jsonrpc": "2.0", "id": 3, "result": null}Content-Length: 44

{"jsonrpc": "2.0", "id": [1], "method": "x"}Content-Length: 6

[1, 2]Content-Length: 83

{"jsonrpc": "2.0", "id": 4, "method": "workspace/symbol", "params": {"query": "f"}}Content-Length: 49

{"jsonrpc": "2.0", "id": 5, "method": "shutdown"}Content-Length: 83

{"jsonrpc": "2.0", "id": 6, "method": "workspace/symbol", "params": {"query": "f"}}Content-Length: 36

{"jsonrpc": "2.0", "method": "exit"}