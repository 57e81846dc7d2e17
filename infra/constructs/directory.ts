import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AUTH_ENV } from '../../lib/auth.ts';
import { ROLES } from '../../lib/permissions.ts';

/**
 * Who may sign in, and with which roles: a Cognito user pool with one group per role (the
 * `cognito:groups` claim every API checks against lib/permissions.ts) and the client the identity
 * service signs in through. Users are data: the pool is retained when the stack is deleted.
 */
export class UserDirectory extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

  constructor(scope: Construct, id: string, props: { prefix: string; production: boolean }) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `${props.prefix}-users`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: {
        email: { required: true, mutable: true },
        fullname: { required: false, mutable: true },
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OFF,
      featurePlan: FeaturePlan.ESSENTIALS,
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      deletionProtection: props.production,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const id of ['AwsSolutions-COG2', 'AwsSolutions-COG3', 'AwsSolutions-COG8']) {
      Validations.of(this.userPool).acknowledge({
        id,
        reason:
          'Staff sign in through the identity API with USER_PASSWORD_AUTH, which answers no MFA or ' +
          'risk challenges yet; MFA and threat protection (Plus plan) come with a hosted sign-in.',
      });
    }
    for (const role of ROLES) {
      new CfnUserPoolGroup(this, `${role}Group`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: `Azura role: ${role}`,
      });
    }
    this.client = this.userPool.addClient('Client', {
      userPoolClientName: `${props.prefix}-web`,
      authFlows: { userPassword: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(8),
      accessTokenValidity: Duration.hours(8),
    });

    new CfnOutput(this, 'UserPoolId', {
      description: 'Cognito user pool of staff (add users and put them in a role group)',
      value: this.userPool.userPoolId,
    }).overrideLogicalId('UserPoolId');
    new CfnOutput(this, 'UserPoolClientId', {
      description: 'Client id the identity service signs in through (the JWT audience)',
      value: this.client.userPoolClientId,
    }).overrideLogicalId('UserPoolClientId');
  }

  /** What every API function needs to verify a caller's ID token. */
  verifierEnvironment(): Record<string, string> {
    return {
      [AUTH_ENV.issuer]: `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.userPool.userPoolId}`,
      [AUTH_ENV.audience]: this.client.userPoolClientId,
    };
  }

  /** What the identity service needs to sign users in and manage their roles. */
  grantAdministration(grantee: IGrantable): Record<string, string> {
    Grant.addToPrincipal({
      grantee,
      actions: [
        'cognito-idp:AdminGetUser',
        'cognito-idp:AdminListGroupsForUser',
        'cognito-idp:AdminAddUserToGroup',
        'cognito-idp:AdminRemoveUserFromGroup',
        // PATCH /api/v1/auth/me: name and phone_number.
        'cognito-idp:AdminUpdateUserAttributes',
        'cognito-idp:AdminDeleteUserAttributes',
        'cognito-idp:ListUsers',
      ],
      resourceArns: [this.userPool.userPoolArn],
    });
    return { USER_POOL_ID: this.userPool.userPoolId, USER_POOL_CLIENT_ID: this.client.userPoolClientId };
  }
}
