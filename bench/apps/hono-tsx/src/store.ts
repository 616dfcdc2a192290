// Off the edited chain: its rows stay across updates.
export interface User {
  id: number;
  name: string;
}

const users: User[] = ["ada", "grace", "linus"].map((name, i) => ({ id: i + 1, name }));

export const store = {
  users: (): readonly User[] => users,
  user: (id: number): User | undefined => users.find((u) => u.id === id),
  add(name: string): User {
    const user = { id: users.length + 1, name };
    users.push(user);
    return user;
  },
};
