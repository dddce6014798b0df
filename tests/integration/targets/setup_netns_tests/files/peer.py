"""A TCP service that tells each client the address it sees it connect from, and its client.

  peer.py serve PORT        answer every connection on PORT with the peer's address, one line
  peer.py ask HOST PORT     connect, print the answer (exit 1, saying why, when the connection fails)
"""
import socket
import sys


def serve(port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('0.0.0.0', port))
    listener.listen(16)
    while True:
        connection, peer = listener.accept()
        with connection:
            connection.sendall(('%s\n' % peer[0]).encode())


def ask(host, port):
    try:
        with socket.create_connection((host, port), timeout=2) as connection:
            print(connection.makefile().readline().strip())
    except OSError as exc:
        print('no answer from %s:%d: %s' % (host, port, exc))
        return 1
    return 0


if __name__ == '__main__':
    if sys.argv[1] == 'serve':
        serve(int(sys.argv[2]))
    else:
        sys.exit(ask(sys.argv[2], int(sys.argv[3])))
