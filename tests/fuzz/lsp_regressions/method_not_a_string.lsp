Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Content-Length: 28

{"jsonrpc":"2.0","method":1}Content-Length: 75

{"jsonrpc":"2.0","id":2,"method":"workspace/symbol","params":{"query":"f"}}Content-Length: 44

{"jsonrpc":"2.0","id":9,"method":"shutdown"}Content-Length: 33

{"jsonrpc":"2.0","method":"exit"}